# Generates tests/data/ossec/alerts.log (run: python3 gen_alerts.py alerts.log): OSSEC 2.9 alerts.log entries whose ids carry their real
# byte offsets (the format of src/analysisd/alerts/log.c OS_Log()).
import time, sys
entries = [
 # (epoch, mail, groups, location, rule, level, desc, fields, lines, extra_blank)
 (1529416931, False, "syslog,sudo", "ossec-srv->/var/log/auth.log", 5402, 3,
  "Successful sudo to ROOT executed", ["User: alice"],
  ["Jun 19 14:02:10 ossec-srv sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/systemctl restart nginx"], False),
 (1529416940, True, "syslog,errors,", "(db02) 10.0.0.12->/var/log/syslog", 1002, 2,
  "Unknown problem somewhere in the system.", [],
  ["Jun 19 14:02:19 db02 mysqld[25435]: 180619 14:02:19  InnoDB: ERROR: the age of the last checkpoint is 9444615,"], False),
 (1529416958, False, "syslog,sshd,authentication_failed,", "(web01) 10.0.0.5->/var/log/secure", 5716, 5,
  "SSHD authentication failed.", ["Src IP: 203.0.113.45", "User: root"],
  ["Jun 19 14:02:37 web01 sshd[21873]: Failed password for root from 203.0.113.45 port 51234 ssh2"], False),
 (1529416972, True, "syslog,sshd,authentication_failures,", "(db02) 10.0.0.12->/var/log/auth.log", 5720, 10,
  "Multiple SSHD authentication failures.", ["Src IP: 198.51.100.77", "User: root"],
  ["Jun 19 14:02:51 db02 sshd[30911]: Failed password for root from 198.51.100.77 port 40522 ssh2",
   "Jun 19 14:01:48 db02 sshd[30909]: Failed password for root from 198.51.100.77 port 40518 ssh2",
   "Jun 19 14:01:44 db02 sshd[30907]: Failed password for root from 198.51.100.77 port 40514 ssh2",
   "Jun 19 14:01:40 db02 sshd[30905]: Failed password for root from 198.51.100.77 port 40510 ssh2",
   "Jun 19 14:01:36 db02 sshd[30903]: Failed password for root from 198.51.100.77 port 40506 ssh2",
   "Jun 19 14:01:32 db02 sshd[30901]: Failed password for root from 198.51.100.77 port 40502 ssh2",
   "Jun 19 14:01:28 db02 sshd[30899]: Failed password for root from 198.51.100.77 port 40498 ssh2",
   "Jun 19 14:01:24 db02 sshd[30897]: Failed password for root from 198.51.100.77 port 40494 ssh2"], False),
 (1529417012, True, "ossec,syscheck,", "ossec-srv->syscheck", 550, 7,
  "Integrity checksum changed.", [],
  ["Integrity checksum changed for: '/etc/passwd'",
   "Size changed from '1642' to '1689'",
   "Old md5sum was: '86f7e437faa5a7fce15d1ddcb9eaeaea'",
   "New md5sum is : 'e9d71f5ee7c92d6dc9e92ffdad17b8bd'",
   "Old sha1sum was: '84a516841ba77a5b4648de2cd0dfcb30ea46dbb4'",
   "New sha1sum is : '3c363836cf4e16666669a25da280a1865c2d2874'"], True),
 (1529417041, True, "local,web,attack,", "(web02) 10.0.0.6->/var/log/apache2/error.log", 100100, 12,
  "Web attack; path with | pipe, back\\slash and accents: accès refusé à « /admin »", ["Src IP: 203.0.113.9"],
  ["[Tue Jun 19 14:04:01.123456 2018] [authz_core:error] [pid 1234] [client 203.0.113.9:4242] AH01630: client denied by server configuration: /var/www/html/admin|x;y\\z",
   "[Tue Jun 19 14:04:01.223456 2018] [php:notice] [pid 1234] user «\u00e9lodie»\tuploaded C:\\temp\\new.php; literal \\n stays; 100% | done \u2713"], False),
 (1529417077, True, "local,syslog,", "(web01) 10.0.0.5->/var/log/auth.log", 100200, 13,
  "Command 'rm -rf /' run by 'www-data' ", ["User: www-data"],
  ["Jun 19 14:04:36 web01 sudo: www-data : TTY=unknown ; PWD=/var/www ; USER=root ; COMMAND=/bin/rm -rf /"], False),
 (1529417093, True, "syslog,sshd,authentication_failures,", "(db02) 10.0.0.12->/var/log/auth.log", 5712, 10,
  "SSHD brute force trying to get access to the system.", ["Src IP: 192.0.2.200"],
  ["Jun 19 14:04:52 db02 sshd[31011]: Invalid user admin from 192.0.2.200",
   "Jun 19 14:04:50 db02 sshd[31009]: Invalid user oracle from 192.0.2.200",
   "Jun 19 14:04:48 db02 sshd[31007]: Invalid user test from 192.0.2.200"], False),
 (1529417110, True, "syslog,sshd,authentication_failures,", "(lab01) 10.0.0.30->/var/log/auth.log", 100300, 12,
  "Honeypot: login attempt on a decoy host.", ["Src IP: 198.51.100.80"],
  ["Jun 19 14:05:09 lab01 sshd[4711]: Failed password for root from 198.51.100.80 port 40000 ssh2"], False),
]
out = b""
for (epoch, mail, groups, loc, rule, level, desc, fields, lines, extra) in entries:
    off = len(out)
    t = time.gmtime(epoch)
    date = time.strftime("%Y %b %d %H:%M:%S", t)
    e = "** Alert %d.%d:%s - %s\n" % (epoch, off, " mail " if mail else "", groups)
    e += "%s %s\n" % (date, loc)
    e += "Rule: %d (level %d) -> '%s'" % (rule, level, desc)
    for f in fields:
        e += "\n" + f
    e += "\n" + lines[0] + "\n"
    for l in lines[1:]:
        e += l + "\n"
    e += "\n"
    if extra:
        e += "\n"
    out += e.encode("utf-8")
    print("%d.%d rule %d level %d %s" % (epoch, off, rule, level, loc), file=sys.stderr)
open(sys.argv[1], "wb").write(out)
