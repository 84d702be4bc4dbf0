"""checks.source_digest: a guest check is rebuilt when its source or a
local header it includes changes."""
import tempfile
import unittest
from pathlib import Path

from pvxlib import checks


class SourceDigestTest(unittest.TestCase):
    def test_local_header_is_part_of_the_key(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "inc").mkdir()
            hdr = root / "inc" / "abi.h"
            src = root / "tool.c"
            hdr.write_text("#define SIZE 1\n")
            src.write_text('#include <stdio.h>\n#include "inc/abi.h"\nint main(void){return 0;}\n')
            first = checks.source_digest(src)
            self.assertEqual(first, checks.source_digest(src))
            hdr.write_text("#define SIZE 2\n")
            self.assertNotEqual(first, checks.source_digest(src))

    def test_missing_local_header_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "tool.c"
            src.write_text('#include "nothere.h"\n')
            with self.assertRaises(OSError):
                checks.source_digest(src)


if __name__ == "__main__":
    unittest.main()
