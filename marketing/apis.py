from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthzApi(APIView):
    """GET /v1/healthz: is the service up and does its database answer?

    Fly's health check calls this every few seconds; a database that does not answer
    within DB_CONNECT_TIMEOUT gives 503 so the instance is taken out of rotation.
    """

    @extend_schema(
        responses={
            200: inline_serializer("Health", {"status": serializers.CharField(), "database": serializers.CharField()}),
            503: inline_serializer("Unhealthy", {"status": serializers.CharField(), "database": serializers.CharField()}),
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return Response({"status": "unavailable", "database": "unavailable"}, status=503)
        return Response({"status": "ok", "database": "ok"})
