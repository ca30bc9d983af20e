"""Validates JSON records, one per line on stdin, with the generator's validator; prints, for each,
the sorted fields its errors name as a JSON list ([] when valid). The Jest tests compare this with ajv."""
import json
import sys

from support import generator, load_schema

validator = generator.Validator(load_schema())
for line in sys.stdin:
    print(json.dumps(sorted({field for field, _ in validator.errors(json.loads(line))})))
