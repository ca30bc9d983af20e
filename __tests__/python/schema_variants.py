"""For the Jest tests: records synthesized from schemas given on stdin, and records judged by the
generator's validator against them. Each stdin line is {"schema": ..., "seed": n, "count": k} (make
k records) or {"schema": ..., "check": [records]} (the sorted fields each record's errors name, []
when valid); each stdout line is the list that answers it."""
import json
import random
import sys

from support import generator

for line in sys.stdin:
    task = json.loads(line)
    validator = generator.Validator(task["schema"])
    if "check" in task:
        answer = [sorted({field for field, _ in validator.errors(record)}) for record in task["check"]]
    else:
        synthesizer = generator.Synthesizer(task["schema"], validator, random.Random(task["seed"]))
        answer = [synthesizer.record(n) for n in range(task["count"])]
    print(json.dumps(answer))
