"""The classification of peer-matrix differences (tools/peers/deviations.py):
lines in the form the replay writes them (tools/replay/capture.py) get the
deviation whose note and line they match, and nothing else does."""

import unittest

import deviations


class ClassifyTest(unittest.TestCase):
    def test_a_known_difference_gets_its_rule(self):
        d = deviations.classify("FolderSync with a key never given",
                                ["/FolderSync: expected 1 children ['Status'], got 3 ['Status', 'SyncKey', 'Changes']"])
        self.assertEqual((d.key, d.rule), ("hierarchy-key-not-checked", "MS-ASCMD 2.2.3.181.2"))

    def test_the_note_alone_is_not_enough_where_the_entry_names_a_line(self):
        # A Provision phase 1 that differs otherwise than by a Status-2 policy
        # of the other PolicyType is not the 2.5 deviation.
        self.assertIsNone(deviations.classify("Provision phase 1", ["HTTP status: expected 200, got 500"]))
        d = deviations.classify("Provision phase 1", [
            "/Provision/Policies/Policy: expected 4 children ['PolicyType', 'Status', 'PolicyKey', 'Data'], "
            "got 2 ['PolicyType', 'Status']"])
        self.assertEqual(d.key, "policy-type-2.5")

    def test_the_body_decides_where_the_lines_are_alike(self):
        line = "/Sync/Collections/Collection: expected 4 children ['SyncKey', 'CollectionId', 'Status', " \
               "'Responses'], got 3 ['SyncKey', 'CollectionId', 'Status']"
        refused = deviations.classify("Fetch it back", [line, "actual body:\n<Sync><Status>3</Status></Sync>"])
        self.assertEqual(refused.key, "own-key-refused")
        self.assertEqual(refused.follows, "key-kept")
        self.assertIsNone(deviations.classify("Fetch it back", [line, "actual body:\n<Sync><Status>1</Status></Sync>"]))

    def test_an_unknown_difference_is_not_classified(self):
        self.assertIsNone(deviations.classify("Sync 0: inbox", ["/Sync/Status: expected '1', got '9'"]))

    def test_a_failure_without_differences_is_classified_by_its_message(self):
        result = {"outcome": "failed", "differences": [],
                  "message": "seeding: 3 events asked for, a fresh Sync of the folder shows 1 after the Sync Adds"}
        [(d, diff)] = deviations.classify_result(result)
        self.assertEqual((d.key, diff), ("seeding-add-lost", None))
        self.assertEqual(deviations.classify_result({"outcome": "failed", "message": "boom"})[0][0], None)

    def test_every_entry_names_a_specification_and_follows_a_known_one(self):
        keys = [d.key for d in deviations.KNOWN]
        self.assertEqual(len(keys), len(set(keys)))
        for d in deviations.KNOWN:
            self.assertRegex(d.rule, r"^MS-AS(CMD|HTTP|PROV|AIRS|EMAIL|CAL|CNTC|TASK) ")
            if d.follows:
                self.assertIn(d.follows, deviations.BY_KEY)


if __name__ == "__main__":
    unittest.main()
