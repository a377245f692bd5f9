"""The MMS handler service of the framework images in multi-model mode (the scikit-learn image's
`sagemaker_sklearn_container.handler_service`; the XGBoost image's differs only in its defaults for
missing functions; neither is published on PyPI): sagemaker-inference's
DefaultHandlerService and Transformer with the image's scikit-learn defaults. MMS loads the one class
this module defines once per model worker. Runs on the stack's Python (3.9).
"""
import textwrap

import numpy as np
from sagemaker_inference import content_types, decoder, default_inference_handler, encoder
from sagemaker_inference.default_handler_service import DefaultHandlerService
from sagemaker_inference.transformer import Transformer


class HandlerService(DefaultHandlerService):
    # Nested: MMS wants exactly one class defined in this module.
    class _SKLearnDefaults(default_inference_handler.DefaultInferenceHandler):
        @staticmethod
        def default_model_fn(model_dir):
            raise NotImplementedError(textwrap.dedent("""
            Please provide a model_fn implementation.
            See documentation for model_fn at https://github.com/aws/sagemaker-python-sdk
            """))

        @staticmethod
        def default_input_fn(input_data, content_type):
            array = decoder.decode(input_data, content_type)
            if len(array.shape) == 1:
                array = array.reshape(1, -1)
            return array.astype(np.float32) if content_type in content_types.UTF8_TYPES else array

        @staticmethod
        def default_predict_fn(input_data, model):
            return model.predict(input_data)

        @staticmethod
        def default_output_fn(prediction, accept):
            return encoder.encode(prediction, accept), accept

    def __init__(self):
        super(HandlerService, self).__init__(transformer=Transformer(default_inference_handler=self._SKLearnDefaults()))
