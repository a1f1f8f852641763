"""Write assets/default_portrait.jpg: NASA's public-domain astronaut portrait (Eileen Collins),
as bundled in scikit-image, so a fresh install has a face to animate."""
from pathlib import Path

from skimage import data

from engine.image_io import write_image

OUT = Path(__file__).resolve().parents[1] / "assets" / "default_portrait.jpg"

if __name__ == "__main__":
    write_image(OUT, data.astronaut())
    print(f"wrote {OUT}")
