/* filter_cis.h — the CIS AWS Foundations log-metric-filter patterns (Security Hub
 * CloudWatch.1-14 text, and CIS 4.15 for Organizations), each with a CloudTrail event that must
 * match it and a near miss that must not. Shared by tests/unit/test_filter.c and
 * bench/filter/filterbench.c. Source of the patterns:
 * https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html */
#ifndef FILTER_CIS_H
#define FILTER_CIS_H

#define CT_IAMUSER                                                                              \
    "{\"type\":\"IAMUser\",\"principalId\":\"AIDAEXAMPLE\",\"arn\":\"arn:aws:iam::123456789012:" \
    "user/alice\",\"accountId\":\"123456789012\",\"accessKeyId\":\"AKIAEXAMPLE\",\"userName\":"  \
    "\"alice\"}"
#define CT_ROOT                                                                                 \
    "{\"type\":\"Root\",\"principalId\":\"123456789012\",\"arn\":\"arn:aws:iam::123456789012:"   \
    "root\",\"accountId\":\"123456789012\"}"
#define CT_ROOT_BY_SERVICE                                                                      \
    "{\"type\":\"Root\",\"principalId\":\"123456789012\",\"arn\":\"arn:aws:iam::123456789012:"   \
    "root\",\"accountId\":\"123456789012\",\"invokedBy\":\"support.amazonaws.com\"}"

/* A CloudTrail management event; extra is "" or starts with ','. */
#define CT_EVENT(ident, source, name, type, extra)                                              \
    "{\"eventVersion\":\"1.08\",\"userIdentity\":" ident ",\"eventTime\":\"2026-01-05T10:00:00Z"  \
    "\",\"eventSource\":\"" source "\",\"eventName\":\"" name "\",\"awsRegion\":\"us-east-1\","   \
    "\"sourceIPAddress\":\"203.0.113.7\",\"userAgent\":\"aws-cli/2.15.0 Python/3.11.6 Linux/6.1"  \
    "\",\"requestID\":\"0b5c4a2e-8f7d-4c1a-9e3b-2d6f1a7c8e90\",\"eventID\":\"6f1d2c3b-4a5e-4f6"    \
    "7-8a9b-0c1d2e3f4a5b\",\"readOnly\":false,\"eventType\":\"" type "\",\"managementEvent\":"    \
    "true,\"recipientAccountId\":\"123456789012\",\"eventCategory\":\"Management\"" extra "}"
#define CT_CALL(source, name, extra) CT_EVENT(CT_IAMUSER, source, name, "AwsApiCall", extra)

typedef struct filter_cis_case {
    const char *control;
    const char *pattern;
    const char *match;
    const char *near_miss;
} filter_cis_case;

static const filter_cis_case filter_cis_cases[] = {
    {"CloudWatch.1",
     "{$.userIdentity.type=\"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType "
     "!=\"AwsServiceEvent\"}",
     CT_EVENT(CT_ROOT, "s3.amazonaws.com", "ListBuckets", "AwsApiCall", ""),
     CT_EVENT(CT_ROOT_BY_SERVICE, "s3.amazonaws.com", "ListBuckets", "AwsApiCall", "")},
    {"CloudWatch.2", "{($.errorCode=\"*UnauthorizedOperation\") || ($.errorCode=\"AccessDenied*\")}",
     CT_CALL("ec2.amazonaws.com", "RunInstances", ",\"errorCode\":\"Client.UnauthorizedOperation\""),
     CT_CALL("iam.amazonaws.com", "GetUser", ",\"errorCode\":\"NoSuchEntity\"")},
    {"CloudWatch.3",
     "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") && "
     "($.userIdentity.type = \"IAMUser\") && ($.responseElements.ConsoleLogin = \"Success\") }",
     CT_EVENT(CT_IAMUSER, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn",
              ",\"additionalEventData\":{\"MFAUsed\":\"No\"},\"responseElements\":{\"ConsoleLogin\":"
              "\"Success\"}"),
     CT_EVENT(CT_IAMUSER, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn",
              ",\"additionalEventData\":{\"MFAUsed\":\"Yes\"},\"responseElements\":{\"ConsoleLogin\":"
              "\"Success\"}")},
    {"CloudWatch.4",
     "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)"
     "||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
     "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
     "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)"
     "||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)"
     "||($.eventName=DetachGroupPolicy)}",
     CT_CALL("iam.amazonaws.com", "DetachGroupPolicy", ""),
     CT_CALL("iam.amazonaws.com", "ListPolicies", "")},
    {"CloudWatch.5",
     "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || "
     "($.eventName=StartLogging) || ($.eventName=StopLogging)}",
     CT_CALL("cloudtrail.amazonaws.com", "StopLogging", ""),
     CT_CALL("cloudtrail.amazonaws.com", "DescribeTrails", "")},
    {"CloudWatch.6", "{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}",
     CT_EVENT(CT_IAMUSER, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn",
              ",\"errorMessage\":\"Failed authentication\",\"responseElements\":{\"ConsoleLogin\":"
              "\"Failure\"}"),
     CT_EVENT(CT_IAMUSER, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn",
              ",\"responseElements\":{\"ConsoleLogin\":\"Success\"}")},
    {"CloudWatch.7",
     "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || "
     "($.eventName=ScheduleKeyDeletion))}",
     CT_CALL("kms.amazonaws.com", "ScheduleKeyDeletion", ""),
     CT_CALL("kms.amazonaws.com", "Decrypt", "")},
    {"CloudWatch.8",
     "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) "
     "|| ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || "
     "($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || "
     "($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || "
     "($.eventName=DeleteBucketReplication))}",
     CT_CALL("s3.amazonaws.com", "PutBucketPolicy", ",\"requestParameters\":{\"bucketName\":\"logs\"}"),
     CT_CALL("s3.amazonaws.com", "GetBucketPolicy", ",\"requestParameters\":{\"bucketName\":\"logs\"}")},
    {"CloudWatch.9",
     "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || "
     "($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || "
     "($.eventName=PutConfigurationRecorder))}",
     CT_CALL("config.amazonaws.com", "StopConfigurationRecorder", ""),
     CT_CALL("config.amazonaws.com", "DescribeConfigurationRecorders", "")},
    {"CloudWatch.10",
     "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || "
     "($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || "
     "($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
     CT_CALL("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", ""),
     CT_CALL("ec2.amazonaws.com", "DescribeSecurityGroups", "")},
    {"CloudWatch.11",
     "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || "
     "($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || "
     "($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}",
     CT_CALL("ec2.amazonaws.com", "ReplaceNetworkAclAssociation", ""),
     CT_CALL("ec2.amazonaws.com", "DescribeNetworkAcls", "")},
    {"CloudWatch.12",
     "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
     "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
     "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
     CT_CALL("ec2.amazonaws.com", "AttachInternetGateway", ""),
     CT_CALL("ec2.amazonaws.com", "DescribeInternetGateways", "")},
    {"CloudWatch.13",
     "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || "
     "($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || "
     "($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}",
     CT_CALL("ec2.amazonaws.com", "DisassociateRouteTable", ""),
     CT_CALL("ec2.amazonaws.com", "DescribeRouteTables", "")},
    {"CloudWatch.14",
     "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || "
     "($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || "
     "($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || "
     "($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || "
     "($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}",
     CT_CALL("ec2.amazonaws.com", "ModifyVpcAttribute", ""),
     CT_CALL("ec2.amazonaws.com", "DescribeVpcs", "")},
    {"CIS 4.15",
     "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = \"AcceptHandshake\") || "
     "($.eventName = \"AttachPolicy\") || ($.eventName = \"CreateAccount\") || ($.eventName = "
     "\"CreateOrganizationalUnit\") || ($.eventName = \"CreatePolicy\") || ($.eventName = "
     "\"DeclineHandshake\") || ($.eventName = \"DeleteOrganization\") || ($.eventName = "
     "\"DeleteOrganizationalUnit\") || ($.eventName = \"DeletePolicy\") || ($.eventName = "
     "\"DetachPolicy\") || ($.eventName = \"DisablePolicyType\") || ($.eventName = "
     "\"EnablePolicyType\") || ($.eventName = \"InviteAccountToOrganization\") || ($.eventName = "
     "\"LeaveOrganization\") || ($.eventName = \"MoveAccount\") || ($.eventName = "
     "\"RemoveAccountFromOrganization\") || ($.eventName = \"UpdatePolicy\") || ($.eventName = "
     "\"UpdateOrganizationalUnit\")) }",
     CT_CALL("organizations.amazonaws.com", "CreateAccount", ""),
     CT_CALL("iam.amazonaws.com", "CreatePolicy", "")},
};

#define FILTER_CIS_COUNT (sizeof filter_cis_cases / sizeof filter_cis_cases[0])

#endif
