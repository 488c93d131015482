/* cis_pack.c — the CIS pack as one table (cis_pack.h). The patterns are Security Hub's text for
 * CloudWatch.1–14, character for character: Security Hub checks that a log group carries the
 * exact pattern, so reformatting one (spaces, quotes) would fail its check. Names follow the
 * examples of Security Hub's remediation steps (RootAccountUsage, ...). */
#include "cli/cis_pack.h"

static const ot_cis_control pack[] = {
    {"CloudWatch.1", "CIS 1.2 1.1 and 3.3, 1.4 1.7 and 4.3", "usage of the root user",
     "RootAccountUsage",
     "{$.userIdentity.type=\"Root\" && $.userIdentity.invokedBy NOT EXISTS && "
     "$.eventType !=\"AwsServiceEvent\"}",
     1},
    {"CloudWatch.2", "CIS 1.2 3.1", "unauthorized API calls", "UnauthorizedAPICalls",
     "{($.errorCode=\"*UnauthorizedOperation\") || ($.errorCode=\"AccessDenied*\")}", 1},
    {"CloudWatch.3", "CIS 1.2 3.2", "Management Console sign-in without MFA",
     "ConsoleSigninWithoutMFA",
     "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") && "
     "($.userIdentity.type = \"IAMUser\") && ($.responseElements.ConsoleLogin = \"Success\") }",
     1},
    {"CloudWatch.4", "CIS 1.2 3.4, 1.4 4.4", "IAM policy changes", "IAMPolicyChanges",
     "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||"
     "($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||"
     "($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||"
     "($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
     "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||"
     "($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||"
     "($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||"
     "($.eventName=DetachGroupPolicy)}",
     1},
    {"CloudWatch.5", "CIS 1.2 3.5, 1.4 4.5", "CloudTrail configuration changes",
     "CloudTrailChanges",
     "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || "
     "($.eventName=StartLogging) || ($.eventName=StopLogging)}",
     1},
    /* CIS and Security Hub alarm on console sign-in failures from 3 in a period, not 1 */
    {"CloudWatch.6", "CIS 1.2 3.6, 1.4 4.6", "Management Console authentication failures",
     "ConsoleSigninFailures",
     "{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}", 3},
    {"CloudWatch.7", "CIS 1.2 3.7, 1.4 4.7",
     "disabling or scheduled deletion of customer managed keys", "DisableOrDeleteCMK",
     "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || "
     "($.eventName=ScheduleKeyDeletion))}",
     1},
    {"CloudWatch.8", "CIS 1.2 3.8, 1.4 4.8", "S3 bucket policy changes", "S3BucketPolicyChanges",
     "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || "
     "($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || "
     "($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || "
     "($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || "
     "($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}",
     1},
    {"CloudWatch.9", "CIS 1.2 3.9, 1.4 4.9", "AWS Config configuration changes",
     "AWSConfigChanges",
     "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || "
     "($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || "
     "($.eventName=PutConfigurationRecorder))}",
     1},
    {"CloudWatch.10", "CIS 1.2 3.10, 1.4 4.10", "security group changes", "SecurityGroupChanges",
     "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) "
     "|| ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || "
     "($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
     1},
    {"CloudWatch.11", "CIS 1.2 3.11, 1.4 4.11", "network ACL changes", "NACLChanges",
     "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || "
     "($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || "
     "($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}",
     1},
    {"CloudWatch.12", "CIS 1.2 3.12, 1.4 4.12", "network gateway changes",
     "NetworkGatewayChanges",
     "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
     "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
     "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
     1},
    {"CloudWatch.13", "CIS 1.2 3.13, 1.4 4.13", "route table changes", "RouteTableChanges",
     "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || "
     "($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || "
     "($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
     "($.eventName=DisassociateRouteTable)}",
     1},
    {"CloudWatch.14", "CIS 1.2 3.14, 1.4 4.14", "VPC changes", "VPCChanges",
     "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || "
     "($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || "
     "($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || "
     "($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || "
     "($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}",
     1},
};

const ot_cis_control *ot_cis_controls(size_t *n)
{
    *n = sizeof pack / sizeof pack[0];
    return pack;
}
