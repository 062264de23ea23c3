"""Options of the capture replay (docs/captures.md), the same under
`bazel run //tools/replay:replay_test -- ...` and under plain
`python3 -m pytest tools/replay ...`: pytest reads them here, so they reach
every module that imports the test, and each one can also be given as an
environment variable (EAS_REPLAY_SERVER, ...)."""

OPTIONS = (
    ("--server", "EAS server to replay against (URL; its path, if any, is the EAS endpoint); "
                 "without it a fresh reference server is started on both backends"),
    ("--user", "the account's user name, in any form (DOMAIN\\login, login@domain, login)"),
    ("--password", "the account's password"),
    ("--email", "the account's mail address (default: the user if it has the form login@domain)"),
    ("--second-user", "a second account on the same server: it sends the mail that arrives during a capture"),
    ("--second-password", "the second account's password"),
    ("--second-email", "the second account's mail address, the colleague captures write to "
                       "(default: the second user if it has the form login@domain)"),
    ("--device-suffix", "appended to every capture's DeviceId, so a rerun starts with fresh device state"),
    ("--seed", "make what a capture's <need>s name through EAS before it runs, where the account lacks it "
               "(folders, contacts, events, Inbox mail); without it such captures are skipped", "flag"),
    ("--provides", "what the server's data holds that captures need and a replay cannot create, "
                   "comma-separated: gal (the entries a capture's <need kind=\"gal\"> names)"),
    ("--level", "spec: what the specifications require, with the alternatives they allow (default with --server); "
                "reference: the reference server's exact answers (default otherwise)"),
    ("--html-report", "write the HTML report here (under Bazel also into the test's outputs)"),
    ("--json-report", "write every capture's outcome, differences and rules here as JSON (tools/peers reads it)"),
    ("--dump-unchecked", "append the server's answer wherever a capture leaves content unchecked (match=\"any\") "
                         "to this file as JSON lines (tools/captures/pin_reference.py reads it)"),
    ("--reverse", "run the captures in reverse order: an expectation that holds only after what earlier "
                  "captures did shows up as a difference", "flag"),
)


def env_name(option):
    return "EAS_REPLAY_" + option[2:].upper().replace("-", "_")


def pytest_addoption(parser):
    import os
    group = parser.getgroup("replay", "EAS capture replay")
    for option, help_text, *kind in OPTIONS:
        if kind == ["flag"]:
            group.addoption(option, action="store_true", default=bool(os.environ.get(env_name(option))),
                            help="%s (env %s=1)" % (help_text, env_name(option)))
        else:
            group.addoption(option, default=os.environ.get(env_name(option)),
                            help="%s (env %s)" % (help_text, env_name(option)))


def pytest_collection_modifyitems(config, items):
    if config.getoption("reverse"):
        # Module-scoped backends stay grouped: reverse within each backend.
        items.reverse()
