#!/usr/bin/python3
"""Builds the embedded topic-classification set from Debian's `fortunes` package.

Run from the repository root:  /usr/bin/python3 models-bert/src/test/python/make_fortunes_dataset.py
Writes models-bert/src/main/resources/org/pclora/bert/data/fortunes/{train,test}.jsonl, classes.txt.
Entries are split on lines holding a single '%'; whitespace is collapsed; entries longer than
MAX_CHARS are dropped (they would not fit 128 word pieces); each category keeps at most
PER_CLASS entries chosen by a seeded shuffle, then a stratified 80/20 train/test split.
The build never runs this script; its output is committed.
"""
import json
import os
import random
import re

SRC = "/usr/share/games/fortunes"
OUT = "models-bert/src/main/resources/org/pclora/bert/data/fortunes"
CLASSES = ["computers", "food", "law", "love", "sports", "startrek"]
PER_CLASS = 180
MAX_CHARS = 400
SEED = 20240613


def entries(name):
    with open(os.path.join(SRC, name + ".u8"), encoding="utf-8") as f:
        text = f.read()
    out = []
    for block in re.split(r"^%\n", text, flags=re.M):
        block = " ".join(block.split())
        if 0 < len(block) <= MAX_CHARS:
            out.append(block)
    return out


def main():
    rng = random.Random(SEED)
    train, test = [], []
    for c in CLASSES:
        es = sorted(set(entries(c)))
        rng.shuffle(es)
        es = es[:PER_CLASS]
        n_test = len(es) // 5
        test += [{"text": t, "label": c} for t in es[:n_test]]
        train += [{"text": t, "label": c} for t in es[n_test:]]
        print(c, len(es), "train", len(es) - n_test, "test", n_test)
    rng.shuffle(train)
    rng.shuffle(test)
    os.makedirs(OUT, exist_ok=True)
    for name, rows in (("train", train), ("test", test)):
        with open(os.path.join(OUT, name + ".jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "classes.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(CLASSES) + "\n")


if __name__ == "__main__":
    main()
