"""
Baseline for bench/card-runtime.bench.ts: vsmartcard's own Python card OS (Debian python3-virtualsmartcard,
virtualsmartcard.VirtualSmartcard.Iso7816OS) executing the same APDUs as sscard (given on the command
line: SELECT of the SSSE DF by name, SELECT EF05 by FID, READ RECORD 1 of the current EF). The file system mirrors sscard's: an MF, a DF
named 7378312E73682EC9E7BBE1B1A3D5CF, an EF05 (SFI 5) with the 7 records of the card's EF05.

Usage: python3 bench/vsmartcard-card.py SECONDS APDU1 APDU2 APDU3 RECORD_HEX...
(SELECT with P2=0C: vsmartcard 0.9's FCI encoder fails under Python 3 — TLVutils.pack joins a list of
ints — so both sides select without response data.)
Prints one JSON line: {"apdus": n, "seconds": wall s, "cpu_seconds": process CPU s, "answers": [hex of the three answers]}.
"""
import json
import sys
import time

sys.path.insert(0, "/usr/lib/python3/site-packages/virtualsmartcard")
import hashlib  # noqa: E402
import logging  # noqa: E402
import types  # noqa: E402

logging.disable(logging.CRITICAL)
# CryptoUtils imports PyCrypto, else falls back to the Python 2 module "sha"; Debian 12 has neither
# (no python3-pycryptodome installed). Give the fallback its standard-library equivalent. No crypto is on
# the benchmarked path (SELECT, READ RECORD).
if "sha" not in sys.modules:
    sha = types.ModuleType("sha")
    sha.new = hashlib.sha1
    sys.modules["sha"] = sha
from virtualsmartcard.VirtualSmartcard import Iso7816OS  # noqa: E402
from virtualsmartcard.SmartcardFilesystem import MF, DF, RecordStructureEF, Record  # noqa: E402
from virtualsmartcard.SmartcardSAM import SAM  # noqa: E402
from virtualsmartcard.ConstantDefinitions import FDB  # noqa: E402

seconds = float(sys.argv[1])
records = [bytes.fromhex(r) for r in sys.argv[5:]]

mf = MF()
df = DF(parent=mf, fid=0xDDF1, dfname=bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF"))
mf.append(df)
ef = RecordStructureEF(parent=df, fid=0xEF05, shortfid=5,
                       filedescriptor=FDB["EFSTRUCTURE_LINEAR_VARIABLE_NOFURTHERINFO"],
                       records=[Record(data=r) for r in records])
df.append(ef)
sam = SAM("1234".encode("ascii"), "1234567890".encode("ascii"), mf)
card = Iso7816OS(mf, sam)

apdus = [bytes.fromhex(h) for h in sys.argv[2:5]]
answers = [card.execute(a).hex().upper() for a in apdus]

# warm-up, then count
end = time.perf_counter() + 0.2
while time.perf_counter() < end:
    for a in apdus:
        card.execute(a)
n = 0
cpu0 = time.process_time()
start = time.perf_counter()
end = start + seconds
now = start
while now < end:
    for _ in range(100):
        for a in apdus:
            card.execute(a)
    n += 300
    now = time.perf_counter()
print(json.dumps({"apdus": n, "seconds": now - start, "cpu_seconds": time.process_time() - cpu0, "answers": answers}))
