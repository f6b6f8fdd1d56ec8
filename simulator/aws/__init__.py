"""trailsim's AWS layer: boto3 clients, TestEventPattern, pattern sources, checks and stacks.

Modules: `clients` (AwsTarget: the endpoint is the only switch between AWS and the local cloud),
`pattern_api` (TestEventPattern), `rule_sources` (patterns from files, templates and live rules),
`check` and `check_report` (`trailsim check`).  Import what you need from its module; this
package imports nothing, so loading one part never loads boto3 for another.
"""
