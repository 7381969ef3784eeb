# Keyfob: a static binary on a minimal base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /keyfob .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /keyfob /keyfob
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/keyfob", "healthcheck"]
ENTRYPOINT ["/keyfob"]
