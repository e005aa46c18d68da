"""Reading a list page's query string: search, filters, sort and page, checked against what
the list offers (domain/listing.py); a value it does not offer is a 400 with the reason."""

from __future__ import annotations

from flask import request

from portfolio.domain.listing import ListRequest, ListSpec, read_list_request


def list_request(spec: ListSpec) -> ListRequest:
    return read_list_request(request.args.to_dict(flat=True), spec)
