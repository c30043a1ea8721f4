# One image for every Canvass service: the whole repository on Node 24, started with the service's
# name as its argument (`docker run <image> polls`), or `migrate` for the migrations Job.
# deploy/kubernetes uses it; docs/deploy.md says how to build, tag and push it.
#
#   docker build -t registry.example.com/canvass/canvass:0.1.0 .
#
# Node runs the TypeScript sources directly (type stripping), so nothing is compiled but the web
# app, which the gateway serves from web/dist.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build:web

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the service's user; the pods also mount the root read-only.
COPY --from=build /app /app
# The official Node image's `node` user, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/app/deploy/kubernetes/image/start.sh"]
