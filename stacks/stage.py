"""One environment's stacks, grouped in a Stage so `cdk deploy 'Dev/*'` selects exactly that environment."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from config import EnvironmentConfig
from stacks.batch_stack import BatchStack
from stacks.data_stack import DataStack
from stacks.serving_stack import ServingStack


class InferenceStage(Stage):
    """Dev, Staging or Prod: the same stacks, shaped by that environment's config."""

    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope, config.stage_id, env=Environment(account=config.account, region=config.region)
        )
        self.config = config
        # Tags and aspects stop at stage boundaries, so each stage applies its own.
        for key, value in config.tags.items():
            Tags.of(self).add(key, value)

        self.data = DataStack(self, "Data", config=config,
                              description=f"SageMaker inference data: key, buckets, registry, alarm topic ({config.name})")
        self.serving = ServingStack(self, "Serving", config=config, data=self.data,
                                    description=f"SageMaker inference serving: models, endpoints, autoscaling ({config.name})")
        if config.batch.transforms:
            self.batch = BatchStack(self, "Batch", config=config, data=self.data,
                                    description=f"SageMaker batch transforms: schedules, state machines, models ({config.name})")
