"""JSON log lines (``LOG_FORMAT=json``): one object per record, with the fields a log collector
indexes — time, level, logger, message, and the request's fields when the record has them."""

import json
import logging

REQUEST_FIELDS = ("method", "path", "status", "ms", "user", "client", "request_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({f: getattr(record, f) for f in REQUEST_FIELDS if hasattr(record, f)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
