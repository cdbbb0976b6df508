"""Reads RDF files with rdflib and prints their triples as JSON.

Usage: python3 tests/rdf/triples.py FORMAT FILE [FORMAT FILE ...]
(FORMAT as rdflib names it: turtle, json-ld, ...).

Prints {"graphs": [[triple, ...], ...], "isomorphic": bool}: one list per
file, each triple {"s", "p"} and either {"iri"} or {"literal", "lang",
"datatype", "python", "ill_typed"} (`literal`: the lexical form as
written; `python`: the Python type rdflib gave
the literal's value, `datetime` for a valid xsd:dateTime); `isomorphic`
tells whether every file holds the same graph. A file rdflib cannot parse
makes it exit non-zero with its error on stderr. The tests in
tests/api/skos.rs run it on the glossary's SKOS export.
"""

import json
import sys

import rdflib
from rdflib.compare import isomorphic

# Keep each literal's lexical form as written (rdflib would otherwise rewrite
# an xsd:dateTime to microseconds): the tests compare it with the API's times.
rdflib.NORMALIZE_LITERALS = False


def describe(term):
    if isinstance(term, rdflib.Literal):
        value = term.toPython()
        return {
            "literal": str(term),
            "lang": term.language,
            "datatype": str(term.datatype) if term.datatype else None,
            "python": type(value).__name__,
            "ill_typed": bool(getattr(term, "ill_typed", False)),
        }
    if isinstance(term, rdflib.BNode):
        return {"bnode": str(term)}
    return {"iri": str(term)}


def main(args):
    if len(args) == 0 or len(args) % 2:
        sys.exit("usage: triples.py FORMAT FILE [FORMAT FILE ...]")
    graphs = []
    for fmt, path in zip(args[0::2], args[1::2]):
        g = rdflib.Graph()
        g.parse(path, format=fmt)
        graphs.append(g)
    out = {
        "graphs": [
            sorted(
                ({"s": str(s), "p": str(p), **describe(o)} for s, p, o in g),
                key=lambda t: json.dumps(t, sort_keys=True),
            )
            for g in graphs
        ],
        "isomorphic": all(isomorphic(graphs[0], g) for g in graphs[1:]),
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
