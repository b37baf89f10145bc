package dev.clearance.catalog;

/** Who granted a license; policies exclude some of them (major labels) from some purposes. */
public enum LicensorType { SELF, MAJOR_LABEL, INDEPENDENT_LABEL, DISTRIBUTOR, CREATIVE_COMMONS, PUBLIC_DOMAIN }
