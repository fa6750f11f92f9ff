#!/usr/bin/env python3
"""Writes the committed seed corpora: the real captures and libmcrypt's own streams in
nsca/tests/data, and synthetic inputs built here (packets with zlib's CRC-32).

Run from anywhere: python3 fuzz/seeds/make.py
Input layouts: see each target's doc comment and src/lib.rs.
"""
import os
import struct
import zlib

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "nsca", "tests", "data")
OUT = os.path.dirname(__file__)


def xxd(name):
    out = bytearray()
    with open(os.path.join(DATA, name)) as f:
        for line in f:
            hexpart = line.split(": ", 1)[1].split("  ")[0].replace(" ", "")
            out += bytes.fromhex(hexpart)
    return bytes(out)


# (capture stem, method, password, packet size)
CAPTURES = [
    ("01-none-service", 0, b"", 4304),
    ("02-none-host", 0, b"", 4304),
    ("03-legacy720", 0, b"", 720),
    ("04-xor-secret-2pkts", 1, b"secret", 4304),
    ("05-aes14-2pkts", 14, b"aes pass", 4304),
    ("06-multiline-etb-2pkts", 0, b"", 4304),
]


CLEARED = set()


def write(target, name, data):
    """Writes one seed; the first write to a target clears what an earlier run left there."""
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if target not in CLEARED:
        CLEARED.add(target)
        for old in os.listdir(d):
            os.remove(os.path.join(d, old))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def header(method, password, iv):
    """The common layout of nsca_fuzz::split."""
    return bytes([method, len(password)]) + password + iv


# A fixed IV for the synthetic seeds.
IV = bytes((i * 37 + 11) % 256 for i in range(128))

# Field offsets of a decrypted data packet.
HOST_AT, SERVICE_AT, OUTPUT_AT = 14, 78, 206


def packet(host, service, code, output, timestamp, size, filler=b"\x00", version=3):
    """A plaintext data packet as the C client builds it (fields NUL-terminated, the rest filler)."""
    cap = 4096 if size == 4304 else 512
    buf = bytearray((filler * size)[:size])
    buf[0:2] = struct.pack(">h", version)
    buf[4:8] = b"\0\0\0\0"
    buf[8:12] = struct.pack(">I", timestamp)
    buf[12:14] = struct.pack(">h", code)
    for at, text, room in ((HOST_AT, host, 64), (SERVICE_AT, service, 128), (OUTPUT_AT, output, cap)):
        text = text[: room - 1]
        buf[at : at + len(text) + 1] = text + b"\0"
    buf[4:8] = struct.pack(">I", zlib.crc32(bytes(buf)))
    return bytes(buf)


def xor(data, iv, password):
    """Method 1, for one packet."""
    return bytes(
        b ^ iv[i % 128] ^ (password[i % len(password)] if password else 0) for i, b in enumerate(data)
    )


def check(host, service, code, output):
    """A check result as nsca_fuzz::Reader::check reads it (service None = host check)."""
    out = bytes([len(host)]) + host
    out += b"\xff" if service is None else bytes([len(service)]) + service
    return out + struct.pack("<hH", code, len(output)) + output


# init_packet, data_packet and server_stream: the captures (methods 0 and 1 only for the last
# two: the stream targets run no CFB-8 cipher).
for stem, method, password, size in CAPTURES:
    try:
        init, data = xxd(stem + "-init.hex"), xxd(stem + "-data.hex")
    except FileNotFoundError:
        continue
    write("init_packet", stem, init)
    if method > 1:
        continue
    head = header(method, password, init[:128])
    write("data_packet", stem, head + data[:size])
    write("server_stream", stem, head + b"\x00\x00" + data)
    write("server_stream", stem + "-chunked", head + b"\x00\x07" + data)

# Synthetic packets and streams, with method 0 and with XOR.
T = 1700000000
web = packet(b"web1", b"HTTP", 2, b"HTTP CRITICAL - 503 | time=0.2s", T, 4304, b"\xa5")
web_legacy = packet(b"web1", b"HTTP", 0, b"legacy output", T, 720, b"\x3c")
host_legacy = packet(b"db1", b"", 1, b"DOWN", T, 720)
# Every string field full, without its NUL (the daemon reads one byte short).
full = bytearray(packet(b"h" * 63, b"s" * 127, 3, b"o" * 4095, T, 4304))
full[HOST_AT + 63] = ord("H")
full[SERVICE_AT + 127] = ord("S")
full[OUTPUT_AT + 4095] = ord("O")
full[4:8] = b"\0\0\0\0"
full[4:8] = struct.pack(">I", zlib.crc32(bytes(full)))
full = bytes(full)
bad_version = packet(b"h", b"s", 0, b"v2", T, 4304, version=2)
bad_crc = web[:300] + b"X" + web[301:]
write("data_packet", "xor-standard", header(1, b"secret", IV) + xor(web, IV, b"secret"))
write("data_packet", "xor-legacy", header(1, b"pw", IV) + xor(web_legacy, IV, b"pw"))
write("data_packet", "fields-without-nul", header(0, b"", IV) + full)
write("data_packet", "bad-version", header(0, b"", IV) + bad_version)
write("data_packet", "bad-crc", header(0, b"", IV) + bad_crc)
write("data_packet", "short", header(0, b"", IV) + web[:719])

STREAMS = {
    # name: (method, password, chunk, stream)
    "legacy-3": (0, b"", 100, web_legacy + host_legacy + web_legacy),
    "standard-then-legacy-at-eof": (0, b"", 4000, web + full + web_legacy),
    "truncated": (0, b"", 0, web + web[:1000]),
    "bad-second": (0, b"", 1, web + bad_crc + web),
    "legacy-then-standard-size": (0, b"", 720, host_legacy + web),
    "xor-3": (1, b"secret", 333, xor(web, IV, b"secret") * 3),
    "xor-legacy-2": (1, b"k", 0, xor(web_legacy, IV, b"k") * 2),
}
for name, (method, password, chunk, stream) in STREAMS.items():
    write("server_stream", name, header(method, password, IV) + struct.pack(">H", chunk) + stream)

# roundtrip: [flags] [timestamp] [chunk] and check results.
ROUNDTRIPS = {
    "none-standard": (0, b"", 0, T, 0, [
        check(b"web1", b"HTTP", 0, b"HTTP OK - 0.01 s | time=0.01s"),
        check(b"db1", None, 1, b"PING CRITICAL"),
        check(b"web1", b"Disk /", 2, b"DISK CRITICAL\n/ 99%\n| /=99%"),
    ]),
    "xor-legacy-chunked": (1, b"secret", 1, T, 7, [
        check(b"leg", b"legacy svc", 0, b"legacy output"),
        check(b"leg", b"legacy svc", 3, b"x" * 600),
    ]),
    "too-long-and-nul": (0, b"", 0, 0, 4303, [
        check(b"h" * 70, b"s" * 140, -1, b"o" * 5000),
        check(b"nul\0host", b"svc", 0, b"out\0put"),
        check(b"", b"s", 0, b"empty host"),
        check(b"h", b"", 0, b"empty service"),
    ]),
    "sixteen": (1, b"pw", 0, 42, 4304, [check(b"h%d" % i, b"s", i, b"out %d" % i) for i in range(17)]),
}
for name, (method, password, flags, timestamp, chunk, checks) in ROUNDTRIPS.items():
    write("roundtrip", name, header(method, password, IV) + struct.pack("<BIH", flags, timestamp, chunk) + b"".join(checks))

# cipher: one stream per method from libmcrypt itself (nsca/tests/data/mcrypt-streams.txt, the
# first with a password), every Triple DES one with a 24-byte key (where keys may cancel), and
# XOR and none from the captures' passwords.
SPLITS = bytes([3, 8, 9, 16, 17, 40])
seen = set()
with open(os.path.join(DATA, "mcrypt-streams.txt")) as f:
    for line in f:
        if line.startswith("#"):
            continue
        method, password, iv, plain, _cipher = line.split()
        method = int(method)
        password = b"" if password == "-" else bytes.fromhex(password)
        if not password or (method in seen and not (method == 3 and len(password) == 24)):
            continue
        name = "%02d-%s" % (method, password[:6].hex())
        seen.add(method)
        write("cipher", name, header(method, password, bytes.fromhex(iv)) + SPLITS + bytes.fromhex(plain)[:64])
for name, method, password in (("00-none", 0, b""), ("01-secret", 1, b"secret"), ("01-no-password", 1, b"")):
    write("cipher", name, header(method, password, IV) + SPLITS + web[:64])
# Triple DES whose first two keys are one DES key modulo parity (single DES with K3).
k1 = bytes(range(0x41, 0x49))
write("cipher", "03-k1-k2-cancel", header(3, k1 + bytes(b ^ 1 for b in k1) + b"K3K3K3K3", IV) + SPLITS + web[:64])

# cipher_packet: one method of each family, both ways of sealing, one packet or two, standard
# size where allowed.
FAMILIES = [(0, b""), (1, b"secret"), (2, b"des pass"), (4, b"cast128"), (5, b"cast256"),
            (6, b"xtea"), (14, b"aes pass")]
web_check = check(b"web1", b"HTTP", 2, b"HTTP CRITICAL - 503 Service Unavailable | time=0.2s")
for method, password in FAMILIES:
    for flags in (0, 2, 4) if method not in (0, 1, 14) else (0, 1, 2, 3, 4, 5):
        name = "%02d-%s-%s%s" % (method, "standard" if flags & 1 else "legacy", "plain" if flags & 2 else "chosen",
                                 "-2" if flags & 4 else "")
        write("cipher_packet", name, header(method, password, IV) + struct.pack("<BBI", flags, method, T) + web_check)
write("cipher_packet", "14-standard-full-output", header(14, b"aes pass", IV) + struct.pack("<BBI", 1, 9, T) + check(b"h", None, 0, b"o" * 4094))
write("cipher_packet", "02-legacy-host-check", header(2, b"des pass", IV) + struct.pack("<BBI", 0, 1, T) + check(b"db1", None, 1, b"DOWN"))

# send_nsca stdin: [field delimiter] [set delimiter] [flags] then the input.
CLI_INPUTS = {
    "etb-sets": b"\t\x17\x00h1\ts1\t0\tout1\x17h2\t2\thost down\x17h3\ts3\t1\tline1\nline2 back\\slash\x17",
    "newline-sets": b";\n\x00h;s;0;a\nh;s;1;b\n",
    "legacy-long": b"\t\x17\x01" + b"h\ts\t2\t" + b"x" * 600,
    "empty-output": b"\t\x17\x00h\ts\t0\t",
    "return-codes": b"\t\x17\x00h\t-1\tx\x17h\t70000\ty\x17h\t 2x\tz\x17h\tabc\tw",
}
for name, data in CLI_INPUTS.items():
    write("cli_input", name, data)

CONFIGS = {
    "full": b"# comment\npassword=secret\nencryption_method=14\nlegacy_2_7_mode=yes\n",
    "spaces": b"password = secret\r\nencryption_method=1\n",
    "errors": b"\n#x\nencryption_method=13\n",
    "no-value": b"password=\n",
}
for name, data in CONFIGS.items():
    write("config", name, data)

# Nagios check-result files as the NSCA daemon writes them (nsca::checkresult::render).
CHECKRESULTS = {
    "service": b"### NSCA Passive Check Result ###\n# Time: Tue Nov 14 22:13:20 2023\n"
    b"file_time=1700000000\n\n### Service Check Result ###\nhost_name=web1\n"
    b"service_description=HTTP\ncheck_type=1\nscheduled_check=0\nreschedule_check=0\n"
    b"latency=0\nstart_time=1700000000.0\nfinish_time=1700000000.0\nreturn_code=2\n"
    b"output=down | t=5s\\nsince 10:00 C:\\\\tmp\n\n",
    "host": b"### NSCA Passive Check Result ###\n# Time: Thu Jan  1 00:00:00 1970\n"
    b"file_time=0\n\n### Host Check Result ###\nhost_name=db1\ncheck_type=1\n"
    b"scheduled_check=0\nreschedule_check=0\nlatency=0\nstart_time=0.0\nfinish_time=0.0\n"
    b"return_code=-1\noutput=\n\n",
}
for name, data in CHECKRESULTS.items():
    write("checkresult_file", name, data)
# The render direction of checkresult_file reads a check result first (nsca_fuzz::Reader::check,
# then 8 bytes of time).
write("checkresult_file", "render-service", check(b"web1", b"HTTP", 2, b"down\nsince 10:00 C:\\tmp") + struct.pack("<Q", T))
write("checkresult_file", "render-odd-fields", check(b"web1\nX", b"\nHTTP", -1, b"a\\nb\\\\c\0d") + struct.pack("<Q", 2**64 - 1))

# plugin_output: what plugins print.
PLUGIN_OUTPUTS = {
    "disk": b"DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n/ 15272 MB (77%);\n"
    b"/boot 68 MB (69%);\n/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n/home=69357MB;253404;253409;0;253414\n",
    "quoted-labels": b"DISK WARNING | '/var log'=81%;80;90 'it''s'=1 /=2%\nvar is full\nsee df | inodes=5%",
    "no-perfdata": b"  PING OK - Packet loss = 0%, RTA = 0.80 ms\r\n",
    "bars-and-empty-lines": b"a|b|c\n\n|\n||\n'unclosed x\n",
    "nul-and-invalid-utf8": b"OK \xff\xfe caf\xc3\xa9 | t=1\xe2\n\xe2|x\0hidden",
    "empty": b"",
}
for name, data in PLUGIN_OUTPUTS.items():
    write("plugin_output", name, data)

# daemon_config: the sample nsca.cfg of this project, and lines for every rule of the parser.
with open(os.path.join(os.path.dirname(__file__), "..", "..", "contrib", "nsca.cfg"), "rb") as f:
    write("daemon_config", "contrib-nsca.cfg", f.read())
DAEMON_CONFIGS = {
    "ours": b"allowed_hosts=127.0.0.1, ::1 10.0.0.0/8\t2001:db8::/32\nmax_connections=1000000\n"
    b"connection_timeout=86400\nmax_queued_results=1\nshutdown_timeout=0\nmetrics_address=[::1]:9167\n"
    b"icinga2_api_url=https://icinga.example:5665\nicinga2_api_user=nsca\nicinga2_api_password=s3cret\n"
    b"icinga2_api_ca_file=/etc/ca.pem\nicinga2_api_tls_name=icinga\nicinga2_api_client_cert=/c.pem\n"
    b"icinga2_api_client_key=/k.pem\nicinga2_check_source=nsca\nicinga2_api_connections=256\n",
    "c-rules": b"server_port=70000\r\n==debug=1\nnsca_password=x=y\ndebug_password=z\ndecryption_method= +12abc\n"
    b"max_packet_age=-1\nlog_facility=lrp\nlog_facility=nope\ncheck_result_path=/var/spool\r\n#comment\n\0nul line\n"
    b"command_file=/cmd\0ignored\nserver_address=::\n",
    "errors": b"debug=1\n  # indented\n",
    "conflict": b"icinga2_api_password_file=/p\nicinga2_api_password=x\n",
    "needs": b"icinga2_api_client_cert=/c.pem\n",
    "long-line": b"password=" + b"p" * 6000 + b"\ndebug=1\n",
    "numbers": b"max_connections=0\n",
    "not-utf8": b"nsca_user=\xff\n",
    "without-url": b"icinga2_api_user=u\n",
}
for name, data in DAEMON_CONFIGS.items():
    write("daemon_config", name, data)
