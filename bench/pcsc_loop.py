#!/usr/bin/python3
"""The PC/SC client loop of bench/pcscd.bench.ts: one APDU sent again and again to one reader, timed.

Uses pyscard's thin PC/SC layer (smartcard.scard: SCardConnect / SCardTransmit, as a C program would),
so that the client adds as little as possible to what is measured: the round trip through pcscd and
vpcd to the card program and back. The same loop drives every card of a benchmark run.

    pcsc_loop.py --reader NAME --apdu 00A40000023F00 [--seconds 5] [--max 100000] [--warmup 20]

Prints one JSON object: reader, n, seconds, rate (exchanges/s), median_ms, p99_ms, max_ms, sw (status
word of the last answer), errors. Exits 1 (with a message on stderr) when the reader has no card
within --wait seconds or a transmit fails. Talks to the pcscd named by PCSCLITE_CSOCK_NAME.
"""
import argparse
import json
import sys
import time

from smartcard import scard


def fail(message):
    print(f"pcsc_loop: {message}", file=sys.stderr)
    sys.exit(1)


def check(rv, what):
    if rv != scard.SCARD_S_SUCCESS:
        fail(f"{what}: {scard.SCardGetErrorMessage(rv)} (0x{rv & 0xFFFFFFFF:08X})")


def wait_for_card(ctx, reader, seconds):
    deadline = time.monotonic() + seconds
    states = [(reader, scard.SCARD_STATE_UNAWARE)]
    while True:
        rv, states = scard.SCardGetStatusChange(ctx, 200, states)
        if rv == scard.SCARD_S_SUCCESS and states[0][1] & scard.SCARD_STATE_PRESENT:
            return
        if rv not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT, scard.SCARD_E_UNKNOWN_READER):
            check(rv, f'waiting for a card in "{reader}"')
        if time.monotonic() > deadline:
            fail(f'no card in reader "{reader}" after {seconds} s')
        states = [(reader, states[0][1] if rv == scard.SCARD_S_SUCCESS else scard.SCARD_STATE_UNAWARE)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reader", required=True)
    ap.add_argument("--apdu", required=True, help="command APDU in hex")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--max", type=int, default=1_000_000, help="stop after this many exchanges")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--wait", type=float, default=20.0, help="longest wait for the card, in seconds")
    args = ap.parse_args()
    apdu = list(bytes.fromhex(args.apdu))

    rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    check(rv, "SCardEstablishContext")
    wait_for_card(ctx, args.reader, args.wait)
    rv, card, protocol = scard.SCardConnect(ctx, args.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    check(rv, f'SCardConnect "{args.reader}"')

    response = []
    for _ in range(args.warmup):
        rv, response = scard.SCardTransmit(card, protocol, apdu)
        check(rv, "SCardTransmit (warm-up)")

    times = []
    errors = 0
    perf = time.perf_counter_ns
    start = perf()
    end = start + int(args.seconds * 1e9)
    now = start
    while now < end and len(times) < args.max:
        t0 = perf()
        rv, response = scard.SCardTransmit(card, protocol, apdu)
        now = perf()
        if rv != scard.SCARD_S_SUCCESS or len(response) < 2:
            errors += 1
            check(rv, "SCardTransmit")
        times.append(now - t0)
    elapsed = (now - start) / 1e9

    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(ctx)
    times.sort()
    n = len(times)

    def pct(p):
        return times[min(n - 1, int(p * n))] / 1e6

    print(json.dumps({
        "reader": args.reader,
        "n": n,
        "seconds": round(elapsed, 3),
        "rate": round(n / elapsed, 1) if elapsed > 0 else None,
        "median_ms": round(pct(0.5), 4),
        "p99_ms": round(pct(0.99), 4),
        "max_ms": round(times[-1] / 1e6, 4),
        "sw": bytes(response[-2:]).hex().upper(),
        "errors": errors,
    }))


if __name__ == "__main__":
    main()
