#!/usr/bin/env python3
"""A trading bot in Python that trades through the oms owner's control socket.

The owner is `oms serve` (or any bot embedding the runtime): it holds the account's journal, the
broker session, the duplicate guard and the kill switch. This bot only speaks the control
protocol (docs/control-protocol.md): JSON lines over a Unix socket. Standard library only.

    python3 examples/python_bot.py --socket logs/orders.jsonl.sock buy TSLA 1 250.30

It subscribes to fills and order events, places one limit order, prints the owner's answer and
then every fill of that order as one JSON line each, and exits when the order is done:
    0  filled completely
    1  refused by the owner, or the order ended (cancelled, rejected) before it filled
    2  bad usage
    3  no owner answers on the socket, or it went away
    4  --timeout passed before the order was done
Money stays exact: prices and quantities travel as decimal strings and are read as Decimal.
"""

import argparse
import json
import socket
import sys
import time
from decimal import Decimal, InvalidOperation

PROTOCOL_VERSION = 1


class OwnerError(Exception):
    """The owner refused a request: its error object (code, field, rule, what_to_do)."""

    def __init__(self, error):
        super().__init__(f"{error.get('field') or 'owner'}: {error.get('rule')} — {error.get('what_to_do')}")
        self.error = error


class Owner:
    """One connection to the owner: requests by id, events queued as they arrive."""

    def __init__(self, path, timeout):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._sock.connect(path)
        self._buffer = b""
        self._next_id = 1
        self.events = []  # event lines received while waiting for an answer

    def _line(self):
        while b"\n" not in self._buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("the owner closed the connection")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, op, **fields):
        """Sends one request and returns its result; progress and events are kept meanwhile."""
        request_id = self._next_id
        self._next_id += 1
        message = {"v": PROTOCOL_VERSION, "id": request_id, "op": op, **fields}
        self._sock.sendall(json.dumps(message).encode() + b"\n")
        while True:
            reply = self._line()
            if "event" in reply:
                self.events.append(reply)
            elif reply.get("id") == request_id and "ok" in reply:
                if not reply["ok"]:
                    raise OwnerError(reply["error"])
                return reply["result"]

    def next_event(self):
        """The next event line (queued first, then from the socket)."""
        if self.events:
            return self.events.pop(0)
        while True:
            reply = self._line()
            if "event" in reply:
                return reply


def decimal(text, name):
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SystemExit(f"python_bot: {name} must be a decimal number such as 250.30")
    if not value.is_finite() or value <= 0:
        raise SystemExit(f"python_bot: {name} must be greater than 0")
    return value


def say(record):
    print(json.dumps(record), flush=True)


def main():
    parser = argparse.ArgumentParser(description="Place one order through the oms owner and follow its fills.")
    parser.add_argument("--socket", required=True, help="the owner's control socket (oms serve prints it)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the order to finish")
    parser.add_argument("side", choices=["buy", "sell"])
    parser.add_argument("symbol")
    parser.add_argument("quantity")
    parser.add_argument("reference_price")
    args = parser.parse_args()
    quantity = decimal(args.quantity, "quantity")
    decimal(args.reference_price, "reference_price")

    try:
        owner = Owner(args.socket, timeout=args.timeout)
        health = owner.request("health")
        say({"owner_pid": health["owner_pid"], "mode": health["mode"], "broker": health["broker_host"]})
        # Subscribe first: a fill that comes right after the placement is not missed.
        owner.request("subscribe", topics=["fills", "orders"])
        result = owner.request("place", side=args.side, symbol=args.symbol, quantity=args.quantity,
                               reference_price=args.reference_price, strategy="")
    except OwnerError as e:
        print(f"python_bot: refused: {e}", file=sys.stderr)
        return 1
    except (OSError, ConnectionError) as e:
        print(f"python_bot: no owner answers on {args.socket}: {e}", file=sys.stderr)
        return 3

    if result.get("error"):
        error = result["error"]
        print(f"python_bot: {error['category']}: {error['message']} — {error['guidance']}", file=sys.stderr)
        return 1
    envelope = result["envelope"]
    order_id = envelope["order_id"]
    say({"placed": order_id, "limit_price": envelope["limit_price"], "duplicate": result["duplicate"]})

    filled = Decimal(0)
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            event = owner.next_event()
            data = event["data"]
            if data.get("order_id") != order_id:
                continue
            if event["event"] == "fill":
                filled = Decimal(data["cumulative_quantity"])
                say({"fill": order_id, "quantity": data["quantity"], "price": data["price"],
                     "cumulative_quantity": data["cumulative_quantity"], "execution_id": data["execution_id"]})
                if data["complete"] or filled >= quantity:
                    say({"done": order_id, "filled": str(filled)})
                    return 0
            elif event["event"] == "state_change" and data.get("to") in ("cancelled", "rejected"):
                say({"done": order_id, "state": data["to"], "filled": str(filled)})
                return 1
    except socket.timeout:
        pass
    except (OSError, ConnectionError) as e:
        print(f"python_bot: the owner went away: {e}", file=sys.stderr)
        return 3
    print(f"python_bot: order {order_id} not done after {args.timeout} s (filled {filled})", file=sys.stderr)
    return 4


if __name__ == "__main__":
    sys.exit(main())
