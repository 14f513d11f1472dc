"""Column-role guessing: every real spec-z sample of ../shared/data, and tricky names."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pzbuild.roles import MIN_SCORE, ROLES, guess_roles

from .conftest import shared_data

# file in shared/data/specz -> the ra, dec and z columns, read off each file's columns (and,
# where the reference server's pipeline has a configuration for the file, the same as it).
SPECZ = [
    ("2dfgrs_final_release_random_sample.parquet", "ra_j2000_deg", "dec_j2000_deg", "z"),
    ("2dflens_final_release_random_sample.parquet", "RA", "Dec", "z"),
    ("2mrs_v240_random_sample.parquet", "RA", "DEC", "redshift"),
    ("3dhst_v4.1.5_random_sample.parquet", "ra", "dec", "z_best"),
    ("6dfgs_dr3_random_sample.parquet", "RA_deg", "DEC_deg", "Z"),
    ("astrodeep-gs43_random_sample.parquet", "RA", "DEC", "z_best"),
    ("astrodeep_jwst_random_sample.parquet", "RA", "DEC", "redshift"),
    ("desi_dr1_in_lsst_dp1_fields_random_sample.parquet", "TARGET_RA", "TARGET_DEC", "Z"),
    ("jades_dr3_random_sample.parquet", "RA_TARG", "Dec_TARG", "z_Spec"),
    ("mosdef_final_release_random_sample.parquet", "RA", "DEC", "Z_MOSFIRE"),
    ("ozdes_dr2_random_sample.parquet", "Alpha_J2000", "Delta_J2000", "z"),
    ("primus_dr1_random_sample.parquet", "RA", "DEC", "Z"),
    ("vandels_dr4_random_sample.parquet", "alpha", "delta", "zspec"),
    ("vlt_vimos_v2.0.1_random_sample.parquet", "RAJ2000_WFI", "DEJ2000_WFI", "SPEC_Z"),
    ("vuds_dr1_random_sample.parquet", "alpha", "delta", "z_spec"),
    ("vvds_final_release_random_sample.parquet", "ALPHA", "DELTA", "Z"),
    ("z_cat_CANDELS_clean_sitcomtn-154_random_sample.parquet", "RA", "DEC", "redshift"),
    ("z_cat_NED_clean_sitcomtn-154_random_sample.parquet", "RA", "DEC", "redshift"),
    ("elaiss1oid.parquet", "RAdeg", "DEdeg", "zfinal"),
    ("pipeline_generated_sample.parquet", "ra", "dec", "z"),
    ("pzserver_upload_example.csv", "RA", "DEC", "Z"),
]

# Other roles where the right column is clear from the file.
SPECZ_OTHER = [
    ("desi_dr1_in_lsst_dp1_fields_random_sample.parquet",
     {"id": "TARGETID", "z_err": "ZERR", "z_flag": "ZWARN", "survey": "survey_name"}),
    ("pzserver_upload_example.csv",
     {"id": "ID", "z_err": "ERR_Z", "z_flag": "FLAG_DES", "survey": None}),
    ("elaiss1oid.parquet", {"z_err": None, "z_flag": "zfinal_quality"}),
    ("jades_dr3_random_sample.parquet", {"id": "unique_id", "z_flag": "z_Spec_flag"}),
    ("2mrs_v240_random_sample.parquet", {"z_err": "redshift_err"}),
    ("pipeline_generated_sample.parquet", {"z_err": "z_err", "survey": "survey"}),
    ("z_cat_CANDELS_clean_sitcomtn-154_random_sample.parquet", {"survey": "source"}),
    ("mosdef_final_release_random_sample.parquet", {"id": "ID", "z_flag": "Z_QUAL"}),
    ("vvds_final_release_random_sample.parquet", {"z_flag": "ZFLAGS", "z_err": None}),
]


def _names(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(newline="") as fh:
            return next(csv.reader(fh))
    return list(pq.read_schema(path).names)


def test_every_specz_sample_is_in_the_table() -> None:
    folder = shared_data() / "specz"
    on_disk = {p.name for p in folder.iterdir() if p.suffix in (".parquet", ".csv")}
    assert on_disk == {row[0] for row in SPECZ}
    assert len([n for n in on_disk if n.endswith("_random_sample.parquet")]) == 18


@pytest.mark.parametrize(("filename", "ra", "dec", "z"), SPECZ, ids=[r[0] for r in SPECZ])
def test_real_specz_positions_and_redshift(filename: str, ra: str, dec: str, z: str) -> None:
    guess = guess_roles(_names(shared_data() / "specz" / filename))
    assert (guess["ra"], guess["dec"], guess["z"]) == (ra, dec, z), {
        r: guess.results[r].reason for r in ("ra", "dec", "z")}


@pytest.mark.parametrize(("filename", "expected"), SPECZ_OTHER, ids=[r[0] for r in SPECZ_OTHER])
def test_real_specz_other_roles(filename: str, expected: dict[str, str | None]) -> None:
    guess = guess_roles(_names(shared_data() / "specz" / filename))
    assert {role: guess[role] for role in expected} == expected


@pytest.mark.parametrize(("filename", "z"), [
    ("2slaq_small.csv", "redshift"),
    ("tables_io_csv_test.csv", "redshift"),
    ("test_dc2_training_9816.pq", "redshift"),
    ("tiny_training_set_for_tests_des_dr2.pq", "redshift"),
    ("tiny_object_catalog_for_tests_des_dr2.pq", None),
    ("rubin_dm_dc2_example.pq", None),
])
def test_real_training_sets_never_take_a_band_for_z(filename: str, z: str | None) -> None:
    guess = guess_roles(_names(shared_data() / "training" / filename))
    assert guess["z"] == z


@pytest.mark.parametrize(("role", "names"), [
    ("ra", ["RA", "ra", "RAdeg", "RA_deg", "alpha", "ALPHA_J2000", "Alpha_J2000", "TARGET_RA",
            "RA_TARG", "RAJ2000", "RAJ2000_WFI", "ra_gal", "coord_ra", "RightAscension"]),
    ("dec", ["DEC", "dec", "Dec", "DEdeg", "DE_deg", "delta", "DELTA_J2000", "DEJ2000",
             "TARGET_DEC", "DEC_TARG", "Dec_TARG", "decl", "declination", "coord_dec"]),
    ("z", ["z", "Z", "redshift", "zspec", "z_spec", "Z_SPEC", "specz", "Z_MOSFIRE", "zfinal",
           "z_best", "zbest", "z_helio", "redshift_true", "Z_S", "zs"]),
    ("z_err", ["ZERR", "z_err", "e_z", "zerr", "ERR_Z", "z_spec_err", "sigma_z", "zErr",
               "redshift_err"]),
    ("z_flag", ["ZWARN", "z_flag", "zflag", "q_z", "flag", "quality", "ZQUAL", "Q_FLAG",
                "zconf", "flag_z", "zflags", "qop"]),
    ("id", ["id", "ID", "objid", "object_id", "TARGETID", "CRD_ID", "galaxy_id", "source_id",
            "name", "objectId", "OBJNAME"]),
    ("survey", ["survey", "source", "origin", "survey_name", "SURVEY"]),
])
def test_each_name_alone_gets_its_role(role: str, names: list[str]) -> None:
    for name in names:
        guess = guess_roles([name])
        assert guess[role] == name, (name, guess.results[role].reason)
        assert [r for r in ROLES if guess[r] is not None] == [role], name


@pytest.mark.parametrize("name", [
    "ZERR", "z_err", "e_z", "zerr", "ERR_Z", "mag_z", "z_mag", "MAG_Z", "z_lsst", "zmag",
    "FLUX_Z", "z_flag", "ZWARN", "z_best_l68", "z_type", "zspec_survey", "i-z"])
def test_never_z(name: str) -> None:
    assert guess_roles([name, "ra", "dec"])["z"] is None


@pytest.mark.parametrize("name", ["RA_h", "ra_err", "pmra", "RAh", "ra_b1950_s", "e_RA"])
def test_never_ra(name: str) -> None:
    assert guess_roles([name])["ra"] is None


def test_z_beside_ugri_is_a_band_and_an_explicit_redshift_wins() -> None:
    two_slaq = ["mag_u", "mag_g", "mag_r", "mag_i", "mag_z", "redshift"]
    assert guess_roles(two_slaq)["z"] == "redshift"
    assert guess_roles(["u", "g", "r", "i", "z", "redshift"])["z"] == "redshift"
    bands_only = guess_roles(["id", "ra", "dec", "u", "g", "r", "i", "z"])
    assert bands_only["z"] is None
    assert ("z", "a photometric band (the same name exists for other bands)") in \
        bands_only.results["z"].rejected
    assert "ruled out: z" in bands_only.results["z"].reason
    # without other bands, a lone z is a redshift
    assert guess_roles(["ra", "dec", "z"])["z"] == "z"


def test_sdss_mgs_header_spec_z_and_band_errors() -> None:
    names = ["zs", "u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z", "eu", "eg", "er",
             "ei", "ez", "eu-g", "eg-r", "er-i", "ei-z"]
    guess = guess_roles(names)
    assert guess["z"] == "zs"
    assert guess["z_err"] is None  # ez is the z-band magnitude error


def test_preferences_between_redshift_columns() -> None:
    assert guess_roles(["z_phot", "z_spec"])["z"] == "z_spec"
    assert guess_roles(["z", "zfinal"])["z"] == "zfinal"
    assert guess_roles(["z", "zspec", "z_best_s"])["z"] == "z"
    assert guess_roles(["zspec", "redshift"])["z"] == "redshift"
    assert guess_roles(["z_spec", "z_best", "rf_z_best", "z_best_s"])["z"] == "z_best"
    assert guess_roles(["Z_B", "Z_B_MIN", "Z_B_MAX", "Z_ML", "Z_S"])["z"] == "Z_S"
    assert guess_roles(["zphot"])["z"] == "zphot"  # a photo-z is still a redshift


def test_pairs_follow_the_chosen_column() -> None:
    names = ["RAJ2000_VIMOS", "DEJ2000_WFI", "RAJ2000_WFI", "DEJ2000_VIMOS"]
    guess = guess_roles(names)
    assert (guess["ra"], guess["dec"]) == ("RAJ2000_VIMOS", "DEJ2000_VIMOS")
    chandra = ["RAdeg", "DEdeg", "z", "RACdeg", "DECdeg"]
    assert guess_roles(chandra)["dec"] == "DEdeg"
    flags = guess_roles(["zfinal", "q_z", "zfinal_quality", "z_spec_err", "zfinal_err"])
    assert (flags["z_flag"], flags["z_err"]) == ("zfinal_quality", "zfinal_err")


def test_a_column_takes_one_role_and_the_guess_is_deterministic() -> None:
    names = ["source", "survey_name", "flag", "z", "z_err", "id", "ra", "dec", "quality"]
    first, second = guess_roles(names), guess_roles(list(names))
    assert first == second
    chosen = [c for c in first.as_columns().values() if c is not None]
    assert len(chosen) == len(set(chosen)) == 7
    assert first["survey"] == "survey_name"


def test_reasons_and_candidates_are_kept() -> None:
    guess = guess_roles(["TARGET_RA", "PLATE_RA", "MEAN_FIBER_RA", "PMRA", "foo"])
    result = guess.results["ra"]
    assert result.column == "TARGET_RA"
    assert [c.column for c in result.candidates] == ["TARGET_RA", "PLATE_RA", "MEAN_FIBER_RA"]
    assert result.candidates[0].score >= MIN_SCORE
    assert "also seen: PLATE_RA" in result.reason
    assert ("PMRA", "'pm' in the name") in result.rejected
    assert guess.missing == ["id", "dec", "z", "z_err", "z_flag", "survey"]
    assert guess.results["id"].reason == "no column name looks like it"


def test_nothing_to_guess() -> None:
    assert guess_roles([]).as_columns() == dict.fromkeys(ROLES)
    assert guess_roles(["foo", "bar", "x", "y"]).as_columns() == dict.fromkeys(ROLES)
