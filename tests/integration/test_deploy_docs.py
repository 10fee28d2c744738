"""test_deploy_docs.py - the man pages render cleanly and cover the config.

The three pages `make install` installs must format without a groff
warning, and hookd.conf(5) must describe every key lib/config.c accepts
(so a new key cannot ship undocumented).
"""

import os
import re
import shutil
import subprocess
import unittest

import deploy

MAN = os.path.join(deploy.ROOT, "docs", "man")
PAGES = ("hookd-send.8", "hookd.fcgi.8", "hookd-repl.8", "hookd.conf.5")


def config_keys():
    with open(os.path.join(deploy.ROOT, "lib", "config.c")) as f:
        keys = re.findall(r'\{"([a-z_]+)",\s*set_', f.read())
    # the replication keys (lib/replconf.c's table)
    with open(os.path.join(deploy.ROOT, "lib", "replconf.c")) as f:
        text = f.read()
    table = text[text.index("replconf_keys[] = {"):]
    table = table[:table.index("};")]
    return keys + re.findall(r'"([a-z_]+)"', table)


class TestManPages(unittest.TestCase):

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_man_pages_format_without_warnings(self):
        for page in PAGES:
            path = os.path.join(MAN, page)
            r = subprocess.run(["groff", "-man", "-ww", "-z", path],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual((r.returncode, r.stderr), (0, ""), page)
            r = subprocess.run(["groff", "-man", "-Tutf8", "-P-cbou", path],
                               capture_output=True, text=True, timeout=60)
            self.assertIn("NAME", r.stdout, page)

    def test_hookd_conf_5_describes_every_config_key(self):
        keys = config_keys()
        self.assertGreater(len(keys), 15)
        with open(os.path.join(MAN, "hookd.conf.5")) as f:
            text = f.read()
        documented = set(re.findall(r"^\.(?:BI|BR|B) ([a-z_]+)", text, re.M))
        self.assertEqual(sorted(set(keys) - documented), [])

    def test_man_pages_name_the_exit_codes_and_signals(self):
        for page in ("hookd-send.8", "hookd.fcgi.8", "hookd-repl.8"):
            with open(os.path.join(MAN, page)) as f:
                text = f.read()
            for section in ("SH EXIT STATUS", "SH SIGNALS", "SH FILES",
                            "SH EXAMPLES", "SH ENVIRONMENT"):
                self.assertIn(section, text, page)


if __name__ == "__main__":
    unittest.main()
