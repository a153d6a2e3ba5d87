"""Labels and help texts of the built-in engines' settings, marked for translation (the
schemas live in Qt-free engine modules; the window translates them in the context
"EngineSetting"). A test checks that every built-in setting's label and help are listed."""

from PySide6.QtCore import QT_TRANSLATE_NOOP

ENGINE_SETTING_TEXTS = [
    QT_TRANSLATE_NOOP("EngineSetting", 'Fleck radius (px)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'largest fleck radius in px'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Contrast'),
    QT_TRANSLATE_NOOP("EngineSetting", 'how much lighter than the paint around a fleck must be (Lab lightness, 0–255): 80 flags 1.5 % of the intact dark paint of the reviewed real-damage training crops'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Working scale'),
    QT_TRANSLATE_NOOP("EngineSetting", "work at this fraction of the image's resolution: the detector knows flakes as they look on photographs about 500 px across a wall section; for a photograph at N times that resolution use 1/N (0.2 for 2,500 px across the same section)"),
    QT_TRANSLATE_NOOP("EngineSetting", 'Weights'),
    QT_TRANSLATE_NOOP("EngineSetting", 'other weights of the same network (default: the shipped ones)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Average mirror images'),
    QT_TRANSLATE_NOOP("EngineSetting", 'average the detection over the window and its three mirror images (4× the time; on the real-damage validation crops it halved the false alarms on dark paint)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Edge σ'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Canny σ of the edges outside the hole'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Keep outside edges'),
    QT_TRANSLATE_NOOP("EngineSetting", 'keep the true edges outside the hole'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Radius (px)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'radius of the Telea fill it corrects'),
    QT_TRANSLATE_NOOP("EngineSetting", "Add the wall's grain"),
    QT_TRANSLATE_NOOP("EngineSetting", 'add noise with the spread of the surrounding fine detail, so a large fill is not smoother than the wall'),
    QT_TRANSLATE_NOOP("EngineSetting", 'neighbourhood (px) each filled pixel is computed from'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Patch size (px)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'side of the patches compared (odd)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Passes per level'),
    QT_TRANSLATE_NOOP("EngineSetting", 'refinement passes per pyramid level'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Search rounds'),
    QT_TRANSLATE_NOOP("EngineSetting", 'PatchMatch propagation/search rounds per pass'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Seed'),
    QT_TRANSLATE_NOOP("EngineSetting", 'random seed (same seed, same fill)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Pyramid levels'),
    QT_TRANSLATE_NOOP("EngineSetting", 'pyramid levels'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Synthesise texture'),
    QT_TRANSLATE_NOOP("EngineSetting", 'copy each pixel from its best match at the finest level (texture) instead of averaging the votes (smoother)'),
    QT_TRANSLATE_NOOP("EngineSetting", 'Structure from the wall in wide losses'),
    QT_TRANSLATE_NOOP("EngineSetting", 'more than a patch or two deep inside a loss, take the large-scale structure from the coarser level\'s synthesis instead of diffusion from the rim (which draws rays across wide losses)'),
]
