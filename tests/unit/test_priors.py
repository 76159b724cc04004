"""app/dossier/priors.py: which studies of a case compare (modality and body part, or a
frame of reference), newest first, and which series goes beside which."""

from app.dossier.priors import body_part, comparable_groups, prior_pair


def series(uid, modality="CT", part="CHEST", frame=None, frames=100, description="", kind="image"):
    return {"series_uid": uid, "modality": modality, "body_part": part, "frame_of_reference_uid": frame,
            "frames": frames, "description": description, "kind": kind}


def study(uid, date, *series_list, status="ok"):
    return {"study_uid": uid, "date": date, "description": f"study {uid}", "identity": {"status": status},
            "series": list(series_list)}


CT_2026 = study("ct26", "20260914", series("ct26.scout", frames=1, description="Topogram"),
                series("ct26.axial", frames=300, description="Thorax 1.25 mm"))
CT_2024 = study("ct24", "20240105", series("ct24.axial", part="THORAX", frames=120, description="Thorax 2.5 mm"),
                series("ct24.lung", frames=300, description="Thorax 1.25 mm"))
CT_2025 = study("ct25", "20250310", series("ct25.axial", frames=200))
CR_2026 = study("cr26", "20260610", series("cr26.pa", modality="CR", frames=1))
MR_HEAD = study("mr", "20200101", series("mr.t1", modality="MR", part="HEAD"))


def test_studies_of_one_modality_and_body_part_group_newest_first():
    groups = comparable_groups([CT_2024, CR_2026, CT_2026, MR_HEAD, CT_2025])
    assert [(g.label, g.study_uids) for g in groups] == [("CT CHEST", ["ct26", "ct25", "ct24"])]
    assert body_part(" thorax") == "CHEST" and body_part(None) is None


def test_a_shared_frame_of_reference_groups_without_body_part():
    pet = study("pet", "20260101", series("pet.1", modality="PT", part=None, frame="1.2.3"))
    ct = study("ctac", "20251201", series("ctac.1", modality="CT", part=None, frame="1.2.3"))
    other = study("ct9", "20251101", series("ct9.1", modality="CT", part=None, frame="9.9"))
    (group,) = comparable_groups([other, ct, pet])
    assert group.study_uids == ["pet", "ctac"] and group.label == "CT/PT"


def test_another_patients_study_and_unknown_body_parts_never_compare():
    foreign = study("x", "20250101", series("x.1"), status="mismatch")
    unknown = study("u", "20250101", series("u.1", part=None))
    assert comparable_groups([CT_2026, foreign, unknown]) == []
    assert prior_pair([CT_2026, foreign], "ct26") is None


def test_groups_are_ordered_by_their_newest_study():
    mr_old = study("mr0", "20190101", series("mr0.t1", modality="MR", part="HEAD"))
    groups = comparable_groups([mr_old, MR_HEAD, CT_2024, CT_2026])
    assert [g.label for g in groups] == ["CT CHEST", "MR HEAD"]


def test_prior_pair_takes_the_next_older_study_and_its_matching_series():
    studies = [CT_2024, CT_2026, CT_2025]
    # On the newest study: its largest series, beside the 2025 study's.
    assert prior_pair(studies, "ct26") == ("ct26.axial", "ct25.axial")
    assert prior_pair(studies, "ct26.scout")[1] == "ct25.axial"
    # On a series: the prior's series of the same description wins over a larger count.
    assert prior_pair([CT_2024, CT_2026], "ct26.axial") == ("ct26.axial", "ct24.lung")
    # On the oldest: it is the prior of the next newer one.
    assert prior_pair(studies, "ct24.axial") == ("ct25.axial", "ct24.axial")
    assert prior_pair(studies, "nothing") is None and prior_pair([CT_2026, CR_2026], "ct26") is None
