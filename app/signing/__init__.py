"""Identities (PKCS#12, PKCS#11), trust lists, CMS and PAdES signatures."""
