"""Media storage shared by the gateway (uploads, browser reads) and the generation workers
(rendered predictions, referenced images): one backend, one way to name and sign objects.

- :mod:`.settings`: ``MEDIA_BACKEND`` (``local`` or ``s3``), ``MEDIA_ROOT``, ``MEDIA_MAX_BYTES``,
  signing key, S3 bucket/endpoint/keys, outbound fetch limits.
- :mod:`.keys`: object keys, allowed image types, filename sanitising, the canonical media URL.
- :mod:`.signing`: HMAC-signed, expiring URLs for the local backend.
- :mod:`.store`: the :class:`~.store.MediaStore` interface, the local folder and S3 stores.
- :mod:`.fetch`: reading an image a worker needs from http(s), ``data:`` or our own media.
"""

from platformkit.media.settings import MediaSettings
from platformkit.media.store import MediaStore, ObjectInfo, open_store

__all__ = ["MediaSettings", "MediaStore", "ObjectInfo", "open_store"]
