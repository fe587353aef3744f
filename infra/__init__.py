"""The AWS stack of claimbatch as a CDK (Python) app: `python -m infra.app`."""

import os

# jsii runs aws-cdk-lib in Node; this machine's Node 20 is past jsii's support
# window, which is fine for synthesis. Set before anything imports aws_cdk.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
