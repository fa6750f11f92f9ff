#!/usr/bin/env python3
"""Writes the committed seed corpora from the real captures in nsca/tests/data.

Run from the fuzz/ directory: python3 seeds/make.py
Layout of data_packet and server_stream inputs: see src/lib.rs.
"""
import os

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


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for stem, method, password, size in CAPTURES:
    try:
        init, data = xxd(stem + "-init.hex"), xxd(stem + "-data.hex")
    except FileNotFoundError:
        continue
    header = bytes([method, len(password)]) + password + init[:128]
    write("init_packet", stem, init)
    write("data_packet", stem, header + data[:size])
    write("server_stream", stem, header + b"\x00\x00" + data)
    write("server_stream", stem + "-chunked", header + b"\x00\x07" + data)

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
