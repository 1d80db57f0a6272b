"""The EMA teacher hook of the UDA methods."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from uda_video.registry import HOOKS


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """Keeps a UDA model's ``teacher`` (an ``EMATeacher``) following its
    ``segmentor``: copies the student before the first update (so phase 2
    starts from the loaded phase-1 weights) and makes one EMA step after every
    training iteration. The update count is the teacher's buffer, so a
    resumed run continues where it stopped.
    """

    priority = 'ABOVE_NORMAL'

    @staticmethod
    def _model(runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        for name in ('teacher', 'segmentor'):
            if not hasattr(model, name):
                raise AttributeError(f'EMATeacherHook needs model.{name}; '
                                     f'{type(model).__name__} has none')
        return model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if int(model.teacher.num_updates) == 0:
            model.teacher.copy_from(model.segmentor)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        model = self._model(runner)
        alpha = model.teacher.update(model.segmentor)
        runner.message_hub.update_scalar('train/ema_alpha', alpha)
