"""The Serving stack: execution role, models, endpoint configs, endpoints, autoscaling, endpoint alarms and
the environment's dashboard.

It changes with every model release. It takes the Data stack's buckets, key, registry and alarm topic by
reference (CloudFormation exports of stable ARNs and names); no model or endpoint-config name leaves this
stack (ARCHITECTURE.md section 2).
"""

from __future__ import annotations


from aws_cdk import CfnOutput, Stack, aws_stepfunctions as sfn
from constructs import Construct

from config import EnvironmentConfig
from sagemaker_serving_cdk import Endpoint, EndpointAlarms, InferenceComponent, SageMakerExecutionRole
from stacks import adapter
from stacks.adapter import construct_id, model_from_config
from stacks.batch_stack import batch_state_machine_name
from stacks.dashboard import InferenceDashboard
from stacks.data_stack import DataReferences, DataStack

# The image registry packages are registered with (the training side builds on the handler's image).


class ServingStack(Stack):
    """One environment's endpoints, built from `config.serving`."""

    def __init__(self, scope: Construct, construct_id_: str, *, config: EnvironmentConfig, data: DataStack,
                 **kwargs) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        serving = config.serving
        self.data: DataReferences = data.references(self)
        data = self.data
        self.execution_role = SageMakerExecutionRole(
            self,
            "ExecutionRole",
            model_bucket=data.models,
            input_bucket=data.input,
            output_bucket=data.output,
        )
        used = {name for endpoint in serving.endpoints.values() for name in endpoint.model_names}
        self.models = {
            name: model_from_config(self, name, settings, role=self.execution_role, data=data,
                                    default_model_data_key=serving.default_model_data_key)
            for name, settings in serving.models.items()
            if name in used
        }
        self.endpoints: dict[str, Endpoint] = {}
        self.components: dict[str, dict[str, InferenceComponent]] = {}
        for name, settings in serving.endpoints.items():
            prefix = construct_id(name)
            endpoint_config = adapter.endpoint_config(self, f"{prefix}Config", name=name, settings=settings,
                                                      models=self.models, data=data,
                                                      execution_role=self.execution_role)
            hosts_components = settings.component_host is not None
            endpoint = Endpoint(
                self,
                f"{prefix}Endpoint",
                endpoint_name=config.endpoint_name(name),
                endpoint_config=endpoint_config,
                # A component host's traffic is counted per component: its components carry the health alarms
                # and roll back their own updates.
                deployment=None if hosts_components else adapter.deployment(settings.deployment),
                health_alarms=None if hosts_components else adapter.health_alarms(settings.alarms, data.alarm_action),
            )
            for variant in settings.variants:
                if variant.autoscaling is not None:
                    adapter.autoscale(self, f"{prefix}{construct_id(variant.name)}Scaling", endpoint, variant)
            # One construct per component, named by its config key: adding or removing one touches no other.
            self.components[name] = {
                component: adapter.inference_component(
                    self, f"{prefix}{construct_id(component)}Component", endpoint=endpoint,
                    component_name=config.inference_component_name(name, component), settings=component_settings,
                    models=self.models, alarms=adapter.health_alarms(settings.alarms, data.alarm_action))
                for component, component_settings in settings.components.items()
            }
            self.endpoints[name] = endpoint
            CfnOutput(self, f"{prefix}EndpointName", value=endpoint.endpoint_name,
                      description=f"The {name} endpoint (invoke it by this name)")

        # Alarms and the dashboard live next to the endpoints they watch: endpoint names never leave this stack.
        monitoring = config.monitoring
        self.endpoint_alarms = {
            name: EndpointAlarms(self, f"{construct_id(name)}Alarms", endpoint=endpoint,
                                 thresholds=adapter.endpoint_alarm_thresholds(monitoring.endpoint_alarms),
                                 action=data.alarm_action,
                                 name_prefix=f"{config.name_prefix}-{name}",
                                 components=tuple(self.components[name].values()))
            for name, endpoint in self.endpoints.items()
        }
        if monitoring.dashboard:
            self.dashboard = InferenceDashboard(
                self, "Dashboard", dashboard_name=f"{config.name_prefix}-inference",
                title=f"SageMaker inference: {config.name} ({config.region})", endpoints=self.endpoints,
                settings=serving.endpoints, components=self.components,
                alarms=[alarm for alarms in self.endpoint_alarms.values() for alarm in alarms.all_alarms],
                state_machines={
                    name: sfn.StateMachine.from_state_machine_name(
                        self, f"{construct_id(name)}BatchStateMachine", batch_state_machine_name(config, name))
                    for name in config.batch.transforms
                },
            )
