"""test_status_page.py - the status page as a browser shows it.

bench/statuspage_bench fills a real store (10 apps x 5 webhooks, a few
thousand deliveries, failures with HTML response bodies) and writes
status.html + status.json through statuspage_write.  The tests check the
document is self-contained (no script, no external resource), that
status.json carries the same figures, and render the page with headless
Chromium at desktop and phone widths: the PNG must be a valid image of
the requested size with real, non-uniform content (decoded with zlib from
the standard library).  Skipped, saying why, when Chromium is missing.
"""

import html.parser
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

BUILD = os.environ.get("HOOKD_BUILD", "")
BENCH = os.path.join(BUILD, "bench", "statuspage_bench") if BUILD else ""
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Tags(html.parser.HTMLParser):
    """Every start tag and its attributes."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def png_decode(data, max_rows=None):
    """(width, height, colour channels, list of unfiltered rows) of a
    8-bit RGB/RGBA PNG, the rows only up to max_rows (pure Python is slow);
    raises ValueError on anything malformed."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    if ihdr is None:
        raise ValueError("no IHDR")
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise ValueError("unexpected PNG format %r" % (ihdr,))
    ch = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    if len(raw) != h * (stride + 1):
        raise ValueError("pixel data has the wrong size")
    rows, prev = [], bytearray(stride)
    for y in range(h if max_rows is None else min(h, max_rows)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b = prev[i]
                c = prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        elif f != 0:
            raise ValueError("bad filter type %d" % f)
        rows.append(bytes(line))
        prev = line
    return w, h, ch, rows


def colours(rows, ch, step=2):
    """The distinct RGB colours of every step-th pixel of the rows."""
    seen = set()
    for row in rows:
        for x in range(0, len(row), ch * step):
            seen.add(row[x:x + 3])
    return seen


def reddish(c):
    """A clearly red pixel: the failure colour, not grey or green."""
    return c[0] > 150 and c[1] < 110 and c[2] < 110


@unittest.skipUnless(BENCH and os.path.exists(BENCH),
                     "bench/statuspage_bench not built (run via make integration)")
class StatusPageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hookd-status-page-")
        out = subprocess.run([BENCH, cls.tmp, "3000"], capture_output=True,
                             text=True, timeout=120)
        if out.returncode != 0:
            raise AssertionError("statuspage_bench failed: " + out.stderr)
        cls.www = os.path.join(cls.tmp, "www")
        cls.page = os.path.join(cls.www, "status.html")
        with open(cls.page, encoding="utf-8") as f:
            cls.html = f.read()
        with open(os.path.join(cls.www, "status.json"), encoding="utf-8") as f:
            cls.json = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_status_page_is_self_contained_without_scripts(self):
        p = Tags()
        p.feed(self.html)
        names = {t for t, _ in p.tags}
        for bad in ("script", "link", "img", "iframe", "object", "embed"):
            self.assertNotIn(bad, names)
        for tag, attrs in p.tags:
            for k in attrs:
                self.assertFalse(k.startswith("on"), "%s has %s" % (tag, k))
                self.assertNotEqual(k, "src", tag)
                if k == "href":     # in-page links only
                    self.assertTrue(attrs[k].startswith("#"), attrs[k])
        self.assertIn("style", names)
        self.assertIn("svg", names)
        self.assertTrue(self.html.rstrip().endswith("</html>"))

    def test_status_page_never_shows_the_webhook_secrets(self):
        self.assertNotIn("BENCHSECRET", self.html)
        self.assertNotIn("whsec_", self.html)
        self.assertNotIn("BENCHSECRET", json.dumps(self.json))

    def test_status_json_has_the_figures_of_the_page(self):
        q = self.json["queue"]
        self.assertEqual(len(self.json["hours"]), 24)
        self.assertEqual(len(self.json["apps"]), 10)
        self.assertEqual(sum(len(a["webhooks"]) for a in self.json["apps"]), 50)
        self.assertEqual(q["delivered_24h"],
                         sum(h["delivered"] for h in self.json["hours"]))
        self.assertGreater(q["pending"], 0)
        self.assertLessEqual(q["due_now"], q["pending"])
        self.assertEqual(len(self.json["recent_failures"]), 50)
        # the same numbers, formatted, are on the page
        self.assertIn('Pending</div><div class="v">{:,}</div>'.format(
            q["pending"]), self.html)
        self.assertIn('Delivered 24 h</div><div class="v">{:,}</div>'.format(
            q["delivered_24h"]), self.html)
        disabled = [w for a in self.json["apps"] for w in a["webhooks"]
                    if not w["enabled"]]
        self.assertEqual(len(disabled), 1)
        self.assertIn(disabled[0]["disabled_reason"], self.html)

    def shot(self, width, height, rows):
        if CHROMIUM is None:
            self.skipTest("chromium is not installed: cannot render the page")
        png = os.path.join(self.tmp, "shot-%d.png" % width)
        profile = tempfile.mkdtemp(prefix="hookd-chromium-")
        try:
            subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--user-data-dir=" + profile,
                 "--screenshot=" + png,
                 "--window-size=%d,%d" % (width, height),
                 "file://" + self.page],
                capture_output=True, timeout=120)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        self.assertTrue(os.path.exists(png), "chromium wrote no screenshot")
        with open(png, "rb") as f:
            return png_decode(f.read(), rows)

    def test_status_page_renders_at_desktop_width(self):
        w, h, ch, rows = self.shot(1280, 1600, 900)
        self.assertEqual((w, h), (1280, 1600))
        top = colours(rows[:260], ch)
        # text, cards and tags: far more than a blank or single-colour page
        self.assertGreater(len(top), 40)
        # the "webhooks failing" headline is drawn in red
        self.assertTrue(any(reddish(c) for c in top), "no red in the header")
        # the chart (green bars) is on the first screen
        self.assertTrue(any(c[1] > 100 and c[0] < 80 and c[2] < 110
                            for c in colours(rows[300:900], ch, 4)),
                        "no delivered bars")

    def test_status_page_renders_at_phone_width(self):
        w, h, ch, rows = self.shot(390, 1600, 400)
        self.assertEqual((w, h), (390, 1600))
        self.assertGreater(len(colours(rows[:400], ch)), 40)


if __name__ == "__main__":
    unittest.main()
