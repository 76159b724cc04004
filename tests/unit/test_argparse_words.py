"""argparse's own words from our catalogue (app/commands/argparse_words.py)."""

import argparse
import inspect

import pytest

from app.commands.argparse_words import ARGPARSE_MESSAGES, use_our_catalogue


def test_every_listed_message_is_one_argparse_asks_for():
    """A message worded otherwise than argparse asks for it would stay English: the list must
    follow argparse's `_('...')` calls word for word."""
    source = inspect.getsource(argparse)
    missing = [m for m in ARGPARSE_MESSAGES if f"_({m!r}" not in source]
    assert not missing


@pytest.mark.parametrize(("language", "words"), [
    ("nl", "fout: de volgende argumenten zijn verplicht: CASE"),
    ("fr", "erreur : les arguments suivants sont obligatoires : CASE"),
    ("en", "error: the following arguments are required: CASE")])
def test_a_usage_error_reads_in_the_interface_language(interface_language, capsys, language, words):
    use_our_catalogue()
    interface_language(language)
    parser = argparse.ArgumentParser(prog="secondo show")
    parser.add_argument("case", metavar="CASE")
    with pytest.raises(SystemExit) as stop:
        parser.parse_args([])
    assert stop.value.code == 2
    assert words in capsys.readouterr().err
