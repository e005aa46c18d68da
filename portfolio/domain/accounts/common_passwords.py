"""Very common passwords, refused whatever their length (compared case-insensitively).

Drawn from published lists of the most used and most leaked passwords, plus the long variants
people reach for when a site asks for twelve characters. Short entries are kept on purpose: they
document intent, and the list stays correct if the length floor is ever lowered.
"""

from __future__ import annotations

COMMON_PASSWORDS: frozenset[str] = frozenset(
    """
    123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
    abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang
    1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer
    trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger
    sunshine iloveyou charlie robert thomas hockey ranger daniel starwars 112233 george computer
    michelle jessica pepper zxcvbn 555555 11111111 131313 freedom 777777 maggie 159753 aaaaaa
    ginger princess joshua cheese amanda summer ashley nicole chelsea matthew access yankees
    987654321 dallas austin thunder taylor matrix welcome admin login passw0rd p@ssw0rd
    changeme secret whatever qwerty123 password1 password123 iloveyou1 abc12345 qwe123
    123456789012 1234567890123 12345678910 012345678910 000000000000 111111111111 123123123123
    121212121212 987654321098 password1234 password12345 password123! password!234
    passwordpassword passw0rd1234 p@ssw0rd1234 p@$$w0rd1234 qwerty123456 qwertyuiop12
    qwertyuiop123 qwertyqwerty qwertyuiopas 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1qaz2wsx3edc
    1qaz2wsx3edc4rfv qazwsxedcrfv zaq12wsxcde3 zaq1zaq1zaq1 asdfghjkl123 asdfghjkl;'
    asdfasdfasdf zxcvbnm12345 abcdefghijkl abcdefghijklm abc123456789 abcd12345678
    iloveyou1234 iloveyou123! letmein12345 letmeinletmein welcome12345 welcome123456
    welcome2024! welcome2025! changeme1234 changemenow! administrator administrator1
    admin1234567 adminadmin123 football1234 baseball1234 superman1234 princess1234
    sunshine1234 monkey123456 dragon123456 trustno11234 starwars1234 michael12345
    jennifer1234 1234qwerasdf qwerasdfzxcv correcthorsebatterystaple mypassword123
    mysecretpassword thisismypassword letmein2024! summer2024!! winter2024!! spring2024!!
    autumn2024!! 11223344556677 123456123456 147258369147 987654321987 aaaaaaaaaaaa
    portfolio123 portfolio1234 certification certification1 librarian123 librarian1234
    library12345 library123456
    """.split()  # noqa: SIM905 - a word list reads best as text
)
