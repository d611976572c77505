"""The static export (`feeds build`): every address to files in an output folder."""

# The hosts `feeds build --host` writes files for (`feeds.export.hosts`), named here for
# the command line, which must not import the export to offer them.
HOSTS = ("github", "netlify", "cloudflare", "s3", "apache", "nginx", "caddy", "lighttpd")
