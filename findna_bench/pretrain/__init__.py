"""Self-supervised pretraining on reference genome windows (FinDNA and ablations).

Modules: ``view`` (the augmentation value type), ``genome`` (window sampler), ``network`` (the
pretraining head and losses shared by objective plugins), ``loop`` (the optimiser loop),
``checkpoint`` (atomic resumable state), ``cache`` (pretrain once per config), ``ddp``
(torch.distributed helpers) and ``transfer`` (pretrained weights into a task backbone).
Augmentations and objectives themselves are plugins (``plugins/augmentations.py``,
``plugins/objectives/``).
"""
