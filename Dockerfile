# tenderdesk in a container FROM scratch: the binary is static (CGO_ENABLED=0;
# SQLite is pure Go, time zones are embedded by time/tzdata), so the image is
# the binary, the CA roots for outgoing TLS (SMTP relay, webhooks) and an
# empty data directory. Build: docker build -t tenderdesk .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/tenderdesk ./cmd/tenderdesk \
 && mkdir -p /out/data && chown 65532:65532 /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tenderdesk /tenderdesk
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# SQLite by default (one process, data in the volume); set TENDERDESK_DB to a
# postgres:// URL for several processes (README, "Running in production").
ENV TENDERDESK_ADDR=:8080 TENDERDESK_DB=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/tenderdesk"]
CMD ["serve"]
