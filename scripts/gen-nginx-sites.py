#!/usr/bin/env python3
"""Write a generated nginx configuration of about LINES lines into DIR: a main
nginx.conf with maps and upstreams, and one file per site under sites-enabled/
(included by glob), each site an HTTP server that redirects and an HTTPS server with
add_header at several levels, nested locations, proxy_pass, error_page and if blocks,
the way Debian hosts lay them out. Deterministic: the same LINES gives the same files.

Usage: gen-nginx-sites.py DIR [LINES]   (default 5000)
"""
import os
import random
import sys


def site(rng, n):
    name = f"app{n}.example.test"
    out = [
        f"# site {n}",
        "server {",
        "    listen 80;",
        "    listen [::]:80;",
        f"    server_name {name} www.{name};",
        "    return 301 https://$host$request_uri;",
        "}",
        "",
        "server {",
        "    listen 443 ssl http2;",
        "    listen [::]:443 ssl http2;",
        f"    server_name {name} www.{name};",
        f"    ssl_certificate /etc/letsencrypt/live/{name}/fullchain.pem;",
        f"    ssl_certificate_key /etc/letsencrypt/live/{name}/privkey.pem;",
        '    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
        "    add_header X-Content-Type-Options nosniff always;",
        "    error_page 404 /404.html;",
        "    error_page 502 503 /maintenance.html;",
    ]
    for loc in range(rng.randint(4, 9)):
        path = f"/{rng.choice(['api', 'assets', 'live', 'admin', 'static', 'uploads'])}{loc}"
        out.append(f"    location {path} {{")
        if rng.random() < 0.4:
            out.append(f'        add_header Cache-Control "public, max-age={rng.randint(60, 86400)}";')
        if rng.random() < 0.5:
            out += [
                f"        proxy_pass http://backend_{n % 7};",
                "        proxy_set_header Host $host;",
                "        proxy_set_header X-Forwarded-Proto $scheme;",
            ]
        if rng.random() < 0.3:
            out += [
                "        if ($request_method = OPTIONS) {",
                "            add_header Access-Control-Allow-Origin $cors_origin always;",
                "            return 204;",
                "        }",
            ]
        if rng.random() < 0.3:
            out += [
                f"        location {path}/nested {{",
                "            add_header Strict-Transport-Security $hsts always;",
                "            return 200 \"ok\\n\";",
                "        }",
            ]
        out.append("    }")
    out += [
        "    location = /404.html { internal; root /var/www/errors; }",
        "    location = /maintenance.html { root /var/www/errors; }",
        "}",
        "",
    ]
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    target = os.path.abspath(sys.argv[1])
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rng = random.Random(18)
    os.makedirs(os.path.join(target, "sites-enabled"), exist_ok=True)
    main_conf = [
        "user www-data;",
        "worker_processes auto;",
        "events { worker_connections 768; }",
        "http {",
        "    sendfile on;",
        '    map $scheme $hsts { https "max-age=63072000; includeSubDomains"; default ""; }',
        "    map $http_origin $cors_origin { default \"\"; ~^https://[a-z0-9.]+\\.example\\.test$ $http_origin; }",
    ]
    main_conf += [f"    upstream backend_{i} {{ server 127.0.0.1:{4000 + i}; }}" for i in range(7)]
    main_conf += ["    include sites-enabled/*.conf;", "}"]
    written = len(main_conf)
    n = 0
    while written < lines:
        text = site(rng, n)
        with open(os.path.join(target, "sites-enabled", f"{n:03}.conf"), "w") as f:
            f.write("\n".join(text) + "\n")
        written += len(text)
        n += 1
    with open(os.path.join(target, "nginx.conf"), "w") as f:
        f.write("\n".join(main_conf) + "\n")
    print(f"{written} lines in {n + 1} files")


main()
