# syntax=docker/dockerfile:1
# GridGov: one image for web (gunicorn), Celery worker and Celery beat; docker-compose.yml picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    GRIDGOV_ENV=production \
    GRIDGOV_VAR_DIR=/var/lib/gridgov \
    MEDIA_ROOT=/var/lib/gridgov/media \
    STATIC_ROOT=/var/lib/gridgov/static \
    PORT=8000

# Fixed ids so volume ownership survives a rebuild.
RUN groupadd --system --gid 10001 gridgov \
 && useradd --system --uid 10001 --gid gridgov --home-dir /app --shell /usr/sbin/nologin gridgov

WORKDIR /app
COPY . .
# Every dependency ships manylinux wheels (psycopg[binary], shapely, Pillow): no compiler in the image.
# The pip cache mount keeps downloaded wheels between builds without adding them to a layer.
RUN --mount=type=cache,target=/root/.cache/pip pip install . \
 && python -m compileall -q gridgov grids cases dispatch residents \
 && install -d -o gridgov -g gridgov /var/lib/gridgov /var/lib/gridgov/media /var/lib/gridgov/static \
        /var/lib/gridgov/beat

USER gridgov
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
