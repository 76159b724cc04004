"""The encrypted container below the data folder and the dossier format: SODP STREAM
(sodp.py), recipient stanzas (stanzas.py) and the key identity they open with (identity.py)."""
