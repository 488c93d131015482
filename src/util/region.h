/* region.h — the one test of whether a string names an AWS region.
 *
 * A region name reaches opentrail from requests (the SigV4 credential scope, trail and channel
 * ARNs, the awsRegion of PutAuditEvents records), from imported logs and from the command line,
 * and becomes a path segment of S3 keys and the name of a signing key. Every one of those
 * places asks this function, so they all agree on what a region is. */
#ifndef OT_REGION_H
#define OT_REGION_H

#include <stdbool.h>

#define OT_REGION_MAX 31 /* longest accepted name; fits the char[32] fields that hold regions */

/* True when s matches one of the AWS partitions' region patterns (botocore's
 * data/partitions.json "regionRegex": aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e,
 * aws-iso-f, aws-eusc), i.e. <partition prefix>-<word>-<number> such as us-east-1,
 * cn-northwest-1, us-gov-west-1, us-isob-east-1 or eusc-de-east-1. The regexes' \w is taken as
 * [a-z0-9]: every region AWS has named is lowercase, and '_' or capitals would give one region
 * two spellings (two folders, two signing keys). Regions AWS has not announced yet are
 * accepted when they have this shape, as SDKs accept them. */
bool ot_region_valid(const char *s);

/* The long name of a commercial region, e.g. "US East (N. Virginia)" for us-east-1 (the
 * descriptions of botocore's data/partitions.json), as CloudWatch writes it in alarm
 * notifications; NULL for a region not in the table. */
const char *ot_region_long_name(const char *region);

#endif
