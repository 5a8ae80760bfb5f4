"""Training-side code of the musicindex genre model: the network and its model file.

crnn        the PyTorch CRNN (module names = the model file's tensor names)
model_file  save_model / load_model: the safetensors file of training/MODEL_FORMAT.md
"""

from .crnn import CRNN, DEFAULT_ARCHITECTURE
from .model_file import default_features, load_model, save_model

__all__ = ["CRNN", "DEFAULT_ARCHITECTURE", "default_features", "load_model", "save_model"]
