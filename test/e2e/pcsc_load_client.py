#!/usr/bin/python3
"""One PC/SC client of the pcscd load run (test/e2e/pcscd-load.ts): an independent implementation of the
terminal side (pyscard's thin PC/SC layer, not sscard's), run several times in parallel.

For the given time it goes round the readers (starting at its own offset) and runs one sequence per
card inside a PC/SC transaction (SCardBeginTransaction: other clients wait, so the sequence is atomic):

    SELECT SSSE   00A404000F 7378312E73682EC9E7BBE1B1A3D5CF   -> FCI 6F.. 9000
    SELECT EF06   00A4020002 EF06                             -> 9000
    READ RECORD   00B2080014 (first record with tag 08)       -> 08 12 <ID number> 9000 (--expect-id)
    SELECT PBOC   00A4040008 A000000333010101                 -> FCI 6F.. 9000
    GPO           80A8000025 8323 <35 bytes of PDOL data> 00  -> 80 .. 9000 (ATC + 1)
    GET DATA ATC  80CA9F3600                                  -> 9F36 02 <ATC> 9000

(DOMAIN.md §1.1-1.3, §2; EMV Book 3 §6.5.8 GPO, PBOC 3.0 GET DATA 9F36). Any other answer is an error.
It records every ATC it saw per reader, how many GPOs it sent and how many were answered.

With --tolerate-restarts a PC/SC failure (pcscd restarted, or the card program killed, under it; an
answer without status word counts as one) is counted as an interruption:
the client reconnects and goes on; a GPO whose answer was lost counts as sent, not answered. A wrong
answer is never tolerated.

Prints one JSON object on stdout. Talks to the pcscd named by PCSCLITE_CSOCK_NAME.
"""
import argparse
import json
import os
import sys
import time

from smartcard import scard

SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")
SELECT_EF06 = bytes.fromhex("00A4020002EF06")
READ_ID = bytes.fromhex("00B2080014")
SELECT_PBOC = bytes.fromhex("00A4040008A000000333010101")
GET_ATC = bytes.fromhex("80CA9F3600")


class PcscFailure(Exception):
    pass


class WrongAnswer(Exception):
    pass


def gpo_command():
    # PDOL of the card (DOMAIN.md §2): 9F66(4) 9F02(6) 9F03(6) 9F1A(2) 95(5) 5F2A(2) 9A(3) 9C(1) 9F37(4) DF60(1) DF69(1)
    pdol = bytes.fromhex("00000000" "000000000100" "000000000000" "0156" "0000000000" "0156" "261201" "00") + os.urandom(4) + bytes.fromhex("00" "00")
    assert len(pdol) == 35
    return bytes.fromhex("80A80000") + bytes([len(pdol) + 2, 0x83, len(pdol)]) + pdol + b"\x00"


class Client:
    def __init__(self, readers, wait):
        self.readers = readers
        self.wait = wait
        self.ctx = None
        self.handles = {}

    def connect_all(self):
        rv, self.ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            raise PcscFailure(f"SCardEstablishContext: {scard.SCardGetErrorMessage(rv)}")
        for r in self.readers:
            self.handles[r] = self.connect(r)

    def connect(self, reader):
        deadline = time.monotonic() + self.wait
        while True:
            rv, card, protocol = scard.SCardConnect(self.ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if rv == scard.SCARD_S_SUCCESS:
                return card, protocol
            if time.monotonic() > deadline:
                raise PcscFailure(f'SCardConnect "{reader}": {scard.SCardGetErrorMessage(rv)}')
            time.sleep(0.05)

    def release(self):
        for card, _ in self.handles.values():
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        self.handles = {}
        if self.ctx is not None:
            scard.SCardReleaseContext(self.ctx)
            self.ctx = None

    def transmit(self, reader, apdu):
        card, protocol = self.handles[reader]
        rv, response = scard.SCardTransmit(card, protocol, list(apdu))
        if rv != scard.SCARD_S_SUCCESS:
            raise PcscFailure(f"SCardTransmit {apdu[:4].hex().upper()}: {scard.SCardGetErrorMessage(rv)} (0x{rv & 0xFFFFFFFF:08X})")
        if len(response) < 2:
            # vpcd reports success with an empty answer when the card program goes away mid-command
            # (vpcd.c vicc_transmit returns 0, IFDHTransmitToICC IFD_SUCCESS): no status word, no answer.
            raise PcscFailure(f"SCardTransmit {apdu[:4].hex().upper()}: empty answer (the card went away)")
        return bytes(response)


def expect(cond, step, response):
    if not cond:
        raise WrongAnswer(f"{step}: unexpected answer {response.hex().upper()}")


def sequence(client, reader, expect_id, stats):
    card, _ = client.handles[reader]
    rv = scard.SCardBeginTransaction(card)
    if rv != scard.SCARD_S_SUCCESS:
        raise PcscFailure(f"SCardBeginTransaction: {scard.SCardGetErrorMessage(rv)} (0x{rv & 0xFFFFFFFF:08X})")
    try:
        r = client.transmit(reader, SELECT_SSSE)
        expect(r[:1] == b"\x6f" and r[-2:] == b"\x90\x00", "SELECT SSSE", r)
        r = client.transmit(reader, SELECT_EF06)
        expect(r == b"\x90\x00", "SELECT EF06", r)
        r = client.transmit(reader, READ_ID)
        expect(r == b"\x08\x12" + expect_id + b"\x90\x00", "READ RECORD 08", r)
        r = client.transmit(reader, SELECT_PBOC)
        expect(r[:1] == b"\x6f" and r[-2:] == b"\x90\x00", "SELECT PBOC", r)
        stats["gpoSent"][reader] += 1
        r = client.transmit(reader, gpo_command())
        expect(r[:1] == b"\x80" and r[-2:] == b"\x90\x00", "GPO", r)
        stats["gpoOk"][reader] += 1
        r = client.transmit(reader, GET_ATC)
        expect(len(r) == 7 and r[:3] == b"\x9f\x36\x02" and r[-2:] == b"\x90\x00", "GET DATA 9F36", r)
        stats["atc"][reader].append(int.from_bytes(r[3:5], "big"))
    finally:
        scard.SCardEndTransaction(card, scard.SCARD_LEAVE_CARD)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reader", action="append", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--expect-id", required=True, help="the ID number (tag 08) the cards hold, ASCII")
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--wait", type=float, default=30.0)
    ap.add_argument("--tolerate-restarts", action="store_true")
    args = ap.parse_args()
    expect_id = args.expect_id.encode("ascii")
    readers = args.reader
    stats = {
        "sequences": 0,
        "errors": [],
        "errorCount": 0,
        "interruptions": 0,
        "atc": {r: [] for r in readers},
        "gpoSent": {r: 0 for r in readers},
        "gpoOk": {r: 0 for r in readers},
    }
    client = Client(readers, args.wait)
    deadline = time.monotonic() + args.seconds
    # With --tolerate-restarts the first connection may meet a restart too (a slow start under load):
    # it is retried as a reconnection is; without, a failure to connect is an error.
    while True:
        try:
            client.connect_all()
            break
        except PcscFailure as e:
            client.release()
            if not args.tolerate_restarts or time.monotonic() > deadline + 30:
                stats["errors"].append(f"connect: {e}")
                stats["errorCount"] += 1
                print(json.dumps(stats))
                return
            stats["interruptions"] += 1
            time.sleep(0.1)
    k = args.offset
    while time.monotonic() < deadline:
        reader = readers[k % len(readers)]
        k += 1
        try:
            sequence(client, reader, expect_id, stats)
            stats["sequences"] += 1
        except WrongAnswer as e:
            stats["errorCount"] += 1
            if len(stats["errors"]) < 20:
                stats["errors"].append(f"{reader}: {e}")
        except PcscFailure as e:
            if not args.tolerate_restarts:
                stats["errorCount"] += 1
                if len(stats["errors"]) < 20:
                    stats["errors"].append(f"{reader}: {e}")
                continue
            stats["interruptions"] += 1
            client.release()
            reconnected = False
            while time.monotonic() < deadline + 30 and not reconnected:
                try:
                    client.connect_all()
                    reconnected = True
                except PcscFailure:
                    client.release()
                    time.sleep(0.1)
            if not reconnected:
                stats["errorCount"] += 1
                stats["errors"].append(f"could not reconnect after: {e}")
                break
    client.release()
    print(json.dumps(stats))


if __name__ == "__main__":
    sys.exit(main())
