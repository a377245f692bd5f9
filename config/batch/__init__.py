"""Settings of the Batch stack: scheduled SageMaker batch transform jobs (schedule.py, transform.py, section.py).

Each entry of `BatchConfig.transforms` becomes one chain: an EventBridge Scheduler schedule starts a Step
Functions state machine, which runs CreateTransformJob and waits for it (sagemaker_serving_cdk.batch).
The same sections are the typed props of that construct, so a rule is checked once, whether a value comes
from config or from code.
"""

from config.batch.schedule import ScheduleSettings
from config.batch.section import BatchConfig, TransformName
from config.batch.transform import RetrySettings, TransformSettings
from sagemaker_serving_cdk.rules.schedules import cron_problem, rate_problem

__all__ = ["BatchConfig", "RetrySettings", "ScheduleSettings", "TransformName", "TransformSettings", "cron_problem",
           "rate_problem"]
