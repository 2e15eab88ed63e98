"""Settings: everything from the environment, with embedded defaults that need nothing installed.

Development (the default) runs on SQLite in WAL mode, Celery on kombu's filesystem transport, media on
local disk and email to the console. ``GRIDGOV_ENV=production`` switches the defaults to a real server
and refuses to start with the development secret key or with DEBUG on.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gridgov.basemap import tile_hosts, tile_provider

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEV_SECRET_KEY = "dev-insecure-gridgov-key-do-not-use-in-production"
GRIDGOV_ENV = env.str("GRIDGOV_ENV", default="development")
PRODUCTION = GRIDGOV_ENV == "production"
# Importing the settings creates nothing: ``./dev`` and the container's entrypoint make these folders.
VAR_DIR = Path(env.str("GRIDGOV_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "gridgov.errors.csrf_failure"  # in the site's layout, in Chinese (gridgov/errors.py)

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "Production refuses the development SECRET_KEY: set SECRET_KEY (32+ chars)."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production refuses DEBUG=on.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production needs ALLOWED_HOSTS.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "gridgov",
    "grids",
    "worktime",
    "dispatch",
    "cases",
    "residents",
    "assessment",
    "command",
    "intake",
    "open311",
    "tasks",
    "notices",
    "community",
    "fieldwork",
    "risk",
    "duty",
    "mediation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Writes the admission refusals a rolled-back case dispatch kept aside (tasks/admission.py).
    "tasks.admission.RefusalsRecorded",
]
# Pages and API answers gzipped (issue 23: the worker's pages on a weak signal, README "The grid worker's
# phone"); static files come pre-compressed from whitenoise in production. Outside the response-reading
# middleware, so that it compresses last; Django's gzip pads each answer against BREACH.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware"), "django.middleware.gzip.GZipMiddleware"
)

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"
AUTH_USER_MODEL = "grids.User"
# Django's ModelBackend, loading the signed-in user together with its memberships (grids/auth.py).
AUTHENTICATION_BACKENDS = ["grids.auth.ReachBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "command.context_processors.command_nav",
                "dispatch.context_processors.inbox_nav",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gridgov.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so a
    # transaction never fails half-way on a lock upgrade; the timeout waits for the writer.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-gridgov.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # Our tables live on SSDs or in memory. PostgreSQL's default cost of a random page (4, a spinning disk)
    # makes a community's queue walk the whole primary key backwards, filtering, when its recent cases are
    # few, instead of reading its own (community_code, id) index: 78 against 40 ms a page at 100,000 cases.
    _options.setdefault("options", "-c random_page_cost=1.1")
    # Parameters are bound on the server, so the hot paths' fixed-shape statements (the session's user,
    # a report's inserts) can be prepared once per connection with a generic plan; everything else is
    # planned for its own values (gridgov/db.py says why). Behind PgBouncer in transaction mode, which
    # cannot keep prepared statements, set this off.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _options["server_side_binding"] = True
# PgBouncer in transaction mode (issue 22 §4; deploy/pgbouncer/): a server connection serves another client
# after each transaction, so nothing may outlive one: no prepared statements, no server-side cursors
# (QuerySet.iterator() reads in chunks instead), and no startup options (set them on the database instead:
# ALTER DATABASE … SET random_page_cost = 1.1).
if env.bool("DATABASE_BEHIND_PGBOUNCER", default=False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.pop("server_side_binding", None)
    _options.pop("options", None)
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A read replica for reports and the big screen (gridgov/replica.py): its reads only, never a write.
if env.str("DATABASE_REPLICA_URL", default=""):
    _replica = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"] = {
        **DATABASES["default"],
        **_replica,
        # The primary's options (the planner's costs, server-side binding), then the URL's own; and a short
        # connect timeout, so a replica host that does not answer sends its reads to the primary in seconds
        # (gridgov/replica.py) instead of holding the request until TCP gives up.
        "OPTIONS": {
            "connect_timeout": 3,
            **DATABASES["default"].get("OPTIONS", {}),
            **_replica.get("OPTIONS", {}),
        },
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["gridgov.replica.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "gridgov.replica.ReplicaReadsMiddleware",
    )
REPLICA_READ_PATHS = env.list(
    "REPLICA_READ_PATHS",
    default=["/assessment/", "/risk/screen/", "/risk/population/", "/risk/cases/", "/api/v1/assessment/"],
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # The broker may be a Redis of its own (CELERY_BROKER_URL), so the cache outlives a broker outage.
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    # A publish with Redis down gives up fast: the case action has committed already, and the sweep
    # re-queues what was not delivered once the broker is back.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.2,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://localhost//"  # the host means nothing here; naming it spares a warning
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # broadcast exchanges; kombu's default is ./control
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}  # apps add their periodic tasks in gridgov/celery.py

# --- Storage, email -------------------------------------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    # S3-compatible object storage (MinIO, OSS, COS) through django-storages when configured.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gridgov@localhost")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- I18n and time --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # what pages show; the database stores UTC (USE_TZ)
USE_I18N = True
USE_TZ = True

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "gridgov.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gridgov.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GridGov API",
    "DESCRIPTION": "Closed-loop case work for grid-based governance (网格化管理).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Group operations by what they act on (cases, categories, residents…), not all under "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Fields named alike in several apps carry different choice sets: name each set after what it is,
    # so clients get CaseStatusEnum rather than Status432Enum.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.workflow.Status",
        "CaseLevelEnum": "cases.models.CaseLevel",
        "CaseSourceEnum": "cases.models.Source",
        "UrgencyEnum": "cases.models.Urgency",
        "RatingEnum": "cases.models.RATINGS",
        "AttachmentKindEnum": "cases.models.AttachmentKind",
        "AreaLevelEnum": "grids.models.Level",
        "AreaKindEnum": "grids.models.AreaKind",
        "TargetKindEnum": "tasks.models.TargetKind",
        "AdmissionRefusalKindEnum": "tasks.models.AdmissionRefusal.Kind",
        "TaskEventKindEnum": "tasks.models.TaskEventKind",
        "DutyRosterStatusEnum": "duty.models.RosterStatus",
        "DutySwapStatusEnum": "duty.models.SwapStatus",
        "DutyEventKindEnum": "duty.models.DutyEventKind",
        "DutyPostEnum": "duty.models.Post",
        "DutyShiftKindEnum": "duty.models.ShiftKind",
        "DutyDayTypeEnum": "duty.models.DayType",
        "MediatorKindEnum": "mediation.models.MediatorKind",
        "DisputeEventKindEnum": "mediation.models.EventKind",
        "DisputeSourceEnum": "mediation.models.Source",
        "PartyRoleEnum": "mediation.models.PartyRole",
        "AlertChannelEnum": "open311.models.AlertSubscription.Channel",
    },
}

# Issue 17: NUL in any input is a 400 naming the field, not a 500 (before any view, after the language is
# chosen), and the document declares the error answers every operation may give.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware") + 1,
    "gridgov.refuse_nul.RefuseNulMiddleware",
)
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "gridgov.api_schema.declare_error_answers",
]

# --- Headers: HTTPS, Content-Security-Policy, Permissions-Policy, no-store (issue 17) ----------------------
# Production defaults are the safe ones; development (plain http on localhost) turns them off. Every one
# can be set from the environment, e.g. behind a TLS-terminating proxy that already redirects to https.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# The proxy's health checks talk plain http to the container (deploy/): they must get an answer, not a 301.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
# Preloading is a promise to browsers' vendors about the whole domain, not ours to make by default.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# …so check --deploy's reminder to preload (W021) does not apply: the preload list takes registrable domains
# whole, and a district's GridGov usually runs on one host of a government domain that others serve.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # models.W040: SQLite has no covering indexes, so the INCLUDE columns of cases.Case's command-map index
    # (case_open_map) are left out there. The index itself is made and used; INCLUDE only spares PostgreSQL
    # (production's database) a visit to the table. Nothing to do on SQLite, so not said on every run.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# Which request header the TLS-terminating proxy sets, and to what, for a request that came over https
# ("HTTP_X_FORWARDED_PROTO,https"; empty: no proxy, Django sees https itself). Trust it only when the proxy
# overwrites that header from clients: otherwise anyone can claim https.
_proxy_ssl_header = env.list(
    "SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"] if PRODUCTION else []
)
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER is 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


# No inline script, style or eval anywhere: scripts and styles are static files, data reaches them through
# data-* attributes and json_script. Photos preview from blob: and data: URLs before they are sent. The API
# documents relax this on their own pages only (gridgov/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            "blob:",
            *env.list("CSP_IMG_SRC", default=[]),
        ],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    },
}
if SECURE_SSL_REDIRECT:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
if env.str("CSP_REPORT_URI", default=""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env.str("CSP_REPORT_URI")]

# Feature → origins allowed to use it (gridgov/middleware.py); () is nobody. Grid workers' phones take
# photos and positions on our pages.
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "camera": ["self"],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "bluetooth": [],
    "hid": [],
    "midi": [],
    "magnetometer": [],
    "gyroscope": [],
    "accelerometer": [],
    "display-capture": [],
}
INSTALLED_APPS.append("csp")
MIDDLEWARE[MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1 : 0] = [
    "csp.middleware.CSPMiddleware",
    "gridgov.middleware.PermissionsPolicyMiddleware",
    "gridgov.middleware.NoStoreMiddleware",
]

# --- GridGov --------------------------------------------------------------------------------------
GRIDGOV = {
    "DEMO_PASSWORD": env.str("GRIDGOV_DEMO_PASSWORD", default="gridgov-demo"),
    # The base map (gridgov/basemap.py, README "Base map"): a preset (tianditu, amap, tencent, osm) or
    # xyz with MAP_TILE_URL. Both empty: pages draw the offline base layer from the district's own data.
    "MAP_TILES": env.str("MAP_TILES", default=""),
    "MAP_TILE_KEY": env.str("MAP_TILE_KEY", default=""),  # Tianditu's browser key (tk)
    "MAP_TILE_URL": env.str("MAP_TILE_URL", default=""),
    "MAP_TILE_DATUM": env.str("MAP_TILE_DATUM", default="wgs84"),  # of MAP_TILE_URL: wgs84 or gcj02
    "MAP_TILE_SUBDOMAINS": env.str("MAP_TILE_SUBDOMAINS", default="abc"),
    "MAP_TILE_ATTRIBUTION": env.str("MAP_TILE_ATTRIBUTION", default=""),
    # A stage turns yellow at this share of its limit.
    "WARN_RATIO": env.float("GRIDGOV_WARN_RATIO", default=0.8),
    # The evaluate step: closed cases nobody rated within this many days close as "no response".
    "CALLBACK_WINDOW_DAYS": env.int("GRIDGOV_CALLBACK_WINDOW_DAYS", default=7),
    # How long after a 12345 order arrives the district may send it back (退单) when it is not its own.
    "HOTLINE_RETURN_HOURS": env.int("GRIDGOV_HOTLINE_RETURN_HOURS", default=24),
    # Patrol tracks are sensitive personal information: kept this many days, then deleted.
    "TRACK_RETENTION_DAYS": env.int("GRIDGOV_TRACK_RETENTION_DAYS", default=30),
    # Login access logs (django-axes' AccessLog, AccessFailureLog): kept this many days, then deleted; the
    # law asks for six months at least, so less refuses to start (grids/retention.py).
    "ACCESS_LOG_RETENTION_DAYS": env.int("GRIDGOV_ACCESS_LOG_RETENTION_DAYS", default=365),
    # Assessment composites: {"area" | "department" | "worker" | "hotline": {figure: weight}} replaces
    # the defaults of docs/domain.md §5.17 for that composite (assessment/figures.py lists the names).
    "ASSESSMENT_WEIGHTS": env.json("GRIDGOV_ASSESSMENT_WEIGHTS", default={}),
    # Citizens' public report page: abuse control without a CAPTCHA (per client IP and per device cookie).
    "PUBLIC_REPORTS_PER_IP_PER_HOUR": env.int("GRIDGOV_PUBLIC_REPORTS_PER_IP_PER_HOUR", default=5),
    "PUBLIC_REPORTS_PER_DEVICE_PER_HOUR": env.int("GRIDGOV_PUBLIC_REPORTS_PER_DEVICE_PER_HOUR", default=3),
    "PUBLIC_REPORT_MIN_SECONDS": env.int("GRIDGOV_PUBLIC_REPORT_MIN_SECONDS", default=5),
    # Open311 GeoReport v2 (open311/conf.py has the rest of its defaults).
    "OPEN311_JURISDICTION": env.str("OPEN311_JURISDICTION", default="lhq.gridgov.local"),
    "OPEN311_CONTACT": env.str("OPEN311_CONTACT", default=""),
    "OPEN311_KEY_SERVICE": env.str("OPEN311_KEY_SERVICE", default=""),
    "OPEN311_CHANGESET": env.str("OPEN311_CHANGESET", default="2026-11-23T00:00:00+08:00"),
    "OPEN311_MEDIA_HOSTS": env.list("OPEN311_MEDIA_HOSTS", default=[]),  # ".example.com" = its subdomains
    "OPEN311_RATE_LIMIT": env.int("OPEN311_RATE_LIMIT", default=60),  # POSTs per key per minute; 0 = off
    # Refused or failed Open311 photo fetches (a client's URL, its error): deleted after this many days.
    "OPEN311_REJECTED_MEDIA_DAYS": env.int("OPEN311_REJECTED_MEDIA_DAYS", default=90),
    # Where the district requires it: a citizen's update text waits for staff (the photo moderation queue)
    # before any public page or API shows it (issue 24 §4).
    "CITIZEN_WORDS_MODERATED": env.bool("GRIDGOV_CITIZEN_WORDS_MODERATED", default=False),
    # Keys of the audit chains' HMAC (gridgov/audit_hash.py), kept out of the database: "id:secret,id:secret"
    # (AUDIT_KEY_ID writes, default the first; the others still verify old rows). Empty: development
    # derives one from SECRET_KEY; production refuses to run.
    "AUDIT_KEYS": env.str("GRIDGOV_AUDIT_KEYS", default=""),
    "AUDIT_KEY_ID": env.str("GRIDGOV_AUDIT_KEY_ID", default=""),
    # Masked ID numbers keep this many leading and trailing characters (capped so that the birth date and
    # the sequence stay hidden: at most the 6-digit area code and the last 2; residents/crypto.py).
    "ID_MASK_KEEP_FIRST": env.int("GRIDGOV_ID_MASK_KEEP_FIRST", default=4),
    "ID_MASK_KEEP_LAST": env.int("GRIDGOV_ID_MASK_KEEP_LAST", default=2),
    # Exact searches by ID number per user (residents/throttles.py): enough for the door, too few to try
    # the candidates a mask leaves.
    "ID_SEARCH_RATE": env.str("GRIDGOV_ID_SEARCH_RATE", default="30/hour"),
    # Stored files (gridgov/stored_files.py): served only through scope-checked views. MEDIA_SERVE "django"
    # streams them, "x-accel" hands them to nginx's internal MEDIA_ACCEL_PREFIX location
    # (deploy/nginx-media.conf), "x-sendfile" to Apache/lighttpd. S3-compatible storage: signed URLs
    # valid MEDIA_SIGNED_URL_SECONDS. The nightly sweep removes files under FILE_SWEEP_PREFIXES that no
    # row points at and that are older than FILE_SWEEP_GRACE_HOURS.
    "MEDIA_SERVE": env.str("GRIDGOV_MEDIA_SERVE", default="django"),
    "MEDIA_ACCEL_PREFIX": env.str("GRIDGOV_MEDIA_ACCEL_PREFIX", default="/protected-media/"),
    "MEDIA_SIGNED_URL_SECONDS": env.int("GRIDGOV_MEDIA_SIGNED_URL_SECONDS", default=300),
    "FILE_SWEEP_PREFIXES": env.list("GRIDGOV_FILE_SWEEP_PREFIXES", default=["cases/", "residents/imports/"]),
    "FILE_SWEEP_GRACE_HOURS": env.int("GRIDGOV_FILE_SWEEP_GRACE_HOURS", default=24),
    # The case list's xlsx export (cases/exports.py): at most this many rows (more: narrow the filter), the
    # file kept this many hours for its requester.
    "CASE_EXPORT_MAX_ROWS": env.int("GRIDGOV_CASE_EXPORT_MAX_ROWS", default=100_000),
    "CASE_EXPORT_KEEP_HOURS": env.int("GRIDGOV_CASE_EXPORT_KEEP_HOURS", default=24),
}
# The tiles' origins join img-src only when tiles are configured (a wrong setting stops the start here).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += tile_hosts(tile_provider(GRIDGOV))

# Personal information (residents): Fernet keys, newest first (rotation: add a key in front, run
# rotate_pii_keys), and the key of the keyed hash that makes ID numbers searchable. Development
# derives both from SECRET_KEY; production refuses to start without them (residents/crypto.py).
GRIDGOV_PII_KEYS = env.list("GRIDGOV_PII_KEYS", default=[])
GRIDGOV_PII_HASH_KEY = env.list("GRIDGOV_PII_HASH_KEY", default=[])

# --- Logins and keys that resist guessing (issue 17, item 5) ----------------------------------------
# django-axes counts failed logins (site login, admin login: every authenticate()) per account and, apart,
# per address: AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME lock that account or address for the
# same time; every attempt and lockout is a row (AccessAttempt, AccessFailureLog) and the district centre
# unlocks at /accounts/lockouts/. API tokens and integration keys have the same limits per address
# (gridgov/lockout.py). django-otp's TOTP is required of the district centre and superusers
# (grids/security.py), optional for everyone else.
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "gridgov.apps.GridGovAdminConfig"
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1, "grids.security.IdleSessionMiddleware"
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("grids.security.IdleSessionMiddleware") + 1, "grids.security.OTPRequiredMiddleware"
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as its documentation asks
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: an account, an address
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
# Not verbose: no version banner from every process the demo starts; lockout lines still name the
# account and the address (the lockout parameters), without the user agent.
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 1000
# Without django-ipware axes reads REMOTE_ADDR: behind a proxy, set it from the proxy's header there.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="GridGov")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "rest_framework.throttling.AnonRateThrottle",
    "rest_framework.throttling.UserRateThrottle",
    "rest_framework.throttling.ScopedRateThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env.str("API_ANON_RATE", default="60/min"),
    "user": env.str("API_USER_RATE", default="2000/min"),
    "login": env.str(
        "API_LOGIN_RATE", default="10/min"
    ),  # views that take a secret: throttle_scope = "login"
}
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "rest_framework.authentication.SessionAuthentication",
    "gridgov.lockout.LockingTokenAuthentication",
]
GRIDGOV.update(
    {
        # A second factor (TOTP) required of the district centre and superusers; off only where settings say.
        "OTP_REQUIRED": env.bool("GRIDGOV_OTP_REQUIRED", default=True),
        # Sessions end after this many minutes without a request: the centre and superusers, everyone else.
        "SESSION_IDLE_MINUTES": env.int("GRIDGOV_SESSION_IDLE_MINUTES", default=30),
        "SESSION_IDLE_MINUTES_OTHERS": env.int("GRIDGOV_SESSION_IDLE_MINUTES_OTHERS", default=480),
    }
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_one_line": {"()": "gridgov.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Everything goes to the root's console once: Django's own console handler (DEBUG only) on the
        # "django" logger printed each of its records a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A 403 or 404 is one line ("Forbidden (Permission denied): /path"), not a traceback.
        "django.request": {"filters": ["client_errors_one_line"]},
    },
}

# --- Observability (gridgov/observability.py) ------------------------------------------------------------
# django-prometheus: requests (its two middlewares, first and last), database queries (its database
# backends, subclasses of Django's own) and cache reads (gridgov/metrics_cache.py: Django's backends counting
# into django-prometheus' cache counters). /metrics answers a bearer
# token (METRICS_TOKEN) or a staff user.
INSTALLED_APPS.append("django_prometheus")
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.insert(1, "gridgov.observability.RequestIdMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
for _database in DATABASES.values():  # the primary, and the replica when there is one
    _engine = _database["ENGINE"].rsplit(".", 1)[-1]
    if _engine in ("sqlite3", "postgresql"):
        _database["ENGINE"] = f"django_prometheus.db.backends.{_engine}"
_cache_class = CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
if _cache_class in ("RedisCache", "FileBasedCache", "LocMemCache"):
    CACHES["default"]["BACKEND"] = f"gridgov.metrics_cache.{_cache_class}"
GRIDGOV["METRICS_TOKEN"] = env.str("METRICS_TOKEN", default="")
# SMS gateway (dispatch/notifications/sms/): console by default; aliyun or tencent with their keys.
GRIDGOV["SMS"] = {
    "GATEWAY": env.str("SMS_GATEWAY", default="console"),
    "SIGN_NAME": env.str("SMS_SIGN_NAME", default=""),
    "TEMPLATES": {
        "verify_code": env.str("SMS_TEMPLATE_VERIFY_CODE", default="verify_code"),
        "notice": env.str("SMS_TEMPLATE_NOTICE", default="notice"),
    },
    "ALIYUN": {
        "ACCESS_KEY_ID": env.str("ALIYUN_SMS_ACCESS_KEY_ID", default=""),
        "ACCESS_KEY_SECRET": env.str("ALIYUN_SMS_ACCESS_KEY_SECRET", default=""),
    },
    "TENCENT": {
        "SECRET_ID": env.str("TENCENT_SMS_SECRET_ID", default=""),
        "SECRET_KEY": env.str("TENCENT_SMS_SECRET_KEY", default=""),
        "SDK_APP_ID": env.str("TENCENT_SMS_SDK_APP_ID", default=""),
        "REGION": env.str("TENCENT_SMS_REGION", default="ap-guangzhou"),  # where the SMS application lives
    },
}
# Logs: one JSON object a line with the request id (LOG_FORMAT=text for a person at a terminal).
LOGGING["filters"]["request_id"] = {"()": "gridgov.observability.RequestIdFilter"}
LOGGING["formatters"] = {
    "json": {"()": "gridgov.observability.JsonFormatter"},
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}
LOGGING["handlers"]["console"]["filters"] = ["request_id"]
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="json")
