import unittest

# Test fixtures: synthetic values, not real people.
TEST_PHONE = "13800138000"
TEST_ID = "110101199003076632"
SESSION = "a13800138000b"
BUILD_TS = 1714528803789


class MaskTest(unittest.TestCase):
    def test_mask(self):
        self.assertEqual(mask(TEST_PHONE), "138****8000")
