#!/usr/bin/env python3
"""Seeded generator of realistic support-ticket drops for samples, tests and benchmarks.

Rows carry the fields real exports carry and real parsers trip over: commas, doubled quotes, embedded
newlines (LF and CRLF), non-ASCII (accents, CJK, emoji) and bodies from 100 to 1,500 characters.

  gen_tickets.py --rows 10000 --format csv --gzip --seed 7 -o tickets.csv.gz
  gen_tickets.py --rows 1000 --format jsonl -o tickets.jsonl
  gen_tickets.py --rows 10000000 --fast --gzip --seed 42 -o tickets-10m.csv.gz

--fast (for 10M-row benchmark drops, about 3x quicker) draws bodies, names and dates from seeded pools of
20,000 generated ones instead of composing each row afresh, and ends each body with the ticket's reference
so no two rows render the same request (Sluice would answer a repeated request once). The default mode's
output for a given seed is unchanged.
"""
import argparse
import csv
import gzip
import io
import json
import random
import sys

FIRST = ["Ana", "Björn", "Chloé", "Dmitri", "Eka", "François", "Grace", "Hiroshi", "Inés", "Jamal", "Kasia",
         "Lena", "Mateo", "Nadia", "Oren", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma", "Viktor",
         "Wen", "Xiu", "Yusuf", "Zoë", "O'Brien", "José María"]
LAST = ["García", "Müller", "Nguyen", "O'Connor", "Smith", "Søndergaard", "Takahashi", "Kowalski", "Dubois",
        "Rossi", "Haddad", "Ivanova", "Öztürk", "Silva", "van der Berg", "Smith, Jr."]
SUBJECTS = [
    "Refund for order #{n}", "Package never arrived", "App crashes on login", "Charged twice, again",
    "Wrong size shipped (\"L\" instead of \"M\")", "Can't reset password", "Invoice {n} missing VAT",
    "Delivery to Zürich delayed", "配送が遅れています", "Bug: export button does nothing",
    "Question about my plan, urgent", "Cancel subscription, please", "Café order #{n} — missing item 😞",
]
SENTENCES = [
    "I ordered this on Monday, and it still hasn't shipped.",
    "The tracking page says \"label created\" since last week.",
    "When I press \"Export\", nothing happens; no error, nothing.",
    "I was charged twice: once on the 3rd, once on the 5th.",
    "Please advise, this is the third time I've written.",
    "Our team (12 people) can't log in since the update.",
    "Steps: open app → tap login → crash.",
    "Merci d'avance pour votre aide.",
    "Danke für die schnelle Antwort!",
    "ご確認をお願いいたします。",
    "Total was $1,249.99, but the invoice says €1.149,00.",
    "Order numbers: 1001, 1002, and 1003.",
    "He said \"it's fine\", but it isn't.",
    "Screenshot attached; see the red banner at the top.",
    "I'd like a refund, or at least a replacement 📦.",
]
CHANNELS = ["email", "chat", "phone", "web"]


def body(rng):
    target = rng.randint(100, 1500)
    parts = []
    size = 0
    while size < target:
        s = rng.choice(SENTENCES)
        parts.append(s)
        size += len(s) + 1
        r = rng.random()
        if r < 0.08:
            parts.append("\n")
        elif r < 0.11:
            parts.append("\r\n")
    text = " ".join(parts)
    return text[:target].rstrip() or "Hello"


def ticket(rng, i):
    n = rng.randint(10000, 99999)
    return {
        "ticket_id": "T%08d" % i,
        "created_at": "2026-%02d-%02dT%02d:%02d:00Z" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                                                       rng.randint(0, 59)),
        "customer": "%s %s" % (rng.choice(FIRST), rng.choice(LAST)),
        "channel": rng.choice(CHANNELS),
        "subject": rng.choice(SUBJECTS).format(n=n),
        "body": body(rng),
    }


class FastTickets:
    """Rows drawn from seeded pools: the same fields and the same awkward bytes, at a fraction of the cost."""

    POOL = 20000

    def __init__(self, rng):
        self.rng = rng
        self.bodies = [body(rng) for _ in range(self.POOL)]
        self.people = ["%s %s" % (rng.choice(FIRST), rng.choice(LAST)) for _ in range(self.POOL)]
        self.dates = ["2026-%02d-%02dT%02d:%02d:00Z" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                                                        rng.randint(0, 59)) for _ in range(self.POOL)]

    def ticket(self, i):
        r = self.rng.getrandbits(64)
        pick = r % self.POOL
        ticket_id = "T%08d" % i
        return {
            "ticket_id": ticket_id,
            "created_at": self.dates[(r >> 15) % self.POOL],
            "customer": self.people[(r >> 30) % self.POOL],
            "channel": CHANNELS[(r >> 45) & 3],
            "subject": SUBJECTS[(r >> 47) % len(SUBJECTS)].format(n=10000 + (r >> 20) % 90000),
            "body": "%s\nRef: %s" % (self.bodies[pick], ticket_id),
        }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=int, default=1, help="first ticket number")
    p.add_argument("--fast", action="store_true", help="draw rows from seeded pools (10M-row drops); see above")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args()
    rng = random.Random(args.seed)
    make = FastTickets(rng).ticket if args.fast else (lambda i: ticket(rng, i))
    raw = gzip.open(args.output, "wb", compresslevel=6) if args.gzip else open(args.output, "wb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
        if args.format == "csv":
            w = csv.writer(out, lineterminator="\r\n")
            w.writerow(["ticket_id", "created_at", "customer", "channel", "subject", "body"])
            for i in range(args.start, args.start + args.rows):
                w.writerow(make(i).values())
        else:
            for i in range(args.start, args.start + args.rows):
                out.write(json.dumps(make(i), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
