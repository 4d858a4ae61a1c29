from __future__ import annotations

import pytest

from tocsin.domain.safety import Safety, classify_code, classify_command, language_kind

R, M, D = Safety.READ_ONLY, Safety.MUTATING, Safety.DESTRUCTIVE


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # read-only: describe/get/list, SELECT, curl GET, logs tail, PING, INFO
        ("aws ecs describe-services --cluster prod --services app", R),
        ("aws logs tail /aws/ecs/prod/app --since 30m", R),
        ("aws elbv2 describe-target-health --target-group-arn <TARGET_GROUP_ARN>", R),
        ("aws s3 ls s3://bucket/", R),
        ('psql $DATABASE_URL -c "SELECT count(*) FROM pg_stat_activity"', R),
        ("curl -s http://<ALB_DNS>/health | jq .", R),
        ("curl -fsS -o /dev/null -w '%{http_code}' https://example.org", R),
        ("redis-cli -h <redis-endpoint> -p 6379 PING", R),
        ("redis-cli --tls -h $REDIS_HOST -a $REDIS_PASSWORD INFO stats", R),
        ("kubectl -n checkout get pods", R),
        ("kubectl -n checkout rollout status deploy/api", R),
        ("docker logs --since 15m api 2>&1 | tail -n 50", R),
        ("gcloud compute instances list --filter=status=RUNNING", R),
        ("gcloud logging read 'severity>=ERROR' --limit 20", R),
        ("git log --since='2 hours ago' --oneline", R),
        ("terraform show | grep -A 5 aws_instance", R),
        ("top -bn1 | head -20", R),
        ("watch -n 5 kubectl get pods", R),
        ("timeout 5 curl http://127.0.0.1:8080/health", R),
        # mutating: update-service, scale, set-desired-capacity, modify, reboot, restart
        ("aws ecs update-service --cluster prod --service app --desired-count 10", M),
        ("aws autoscaling set-desired-capacity --auto-scaling-group-name asg --desired-capacity 6", M),
        ("aws rds modify-db-instance --db-instance-identifier db --apply-immediately", M),
        ("aws elasticache reboot-cache-cluster --cache-cluster-id c", M),
        ("systemctl restart application", M),
        ("kubectl -n app rollout restart deploy/api", M),
        ("kubectl scale deploy/api --replicas=5", M),
        ("docker restart tracking-api", M),
        ("gcloud run services update api --max-instances 10", M),
        ("curl -X POST https://api.example.org/hooks/health", M),
        ("./scripts/rollback-production.sh", M),  # unknown: a person must look at it
        ("echo done >> incident-timeline.txt", M),  # writes a file
        # destructive: kill, FLUSHDB, pg_terminate_backend, DROP/DELETE, rm, terraform apply, force deployment
        ("kill -9 $(pgrep -f worker)", D),
        ("redis-cli -h <REDIS_ENDPOINT> FLUSHDB", D),
        ("psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle'\"", D),
        ('psql "$URL" -c "DROP TABLE sessions"', D),
        ('mysql -e "DELETE FROM jobs WHERE done"', D),
        ("rm -rf /var/log/app/*.gz", D),
        ("terraform apply -var=app_version=v1.2.3", D),
        ("aws ecs update-service --cluster prod --service app --force-new-deployment", D),
        ("kubectl -n checkout delete pod api-123", D),
        ("docker system prune -af", D),
        ("git push --force origin main", D),
        ("curl -X DELETE https://api.example.org/v1/cache", D),
        ("find /var/log -name '*.log' -mtime +7 -delete", D),
        ("sudo -u postgres psql -c 'TRUNCATE events'", D),
    ],
)
def test_each_command_gets_the_class_an_operator_would_give_it(command: str, expected: Safety) -> None:
    assert classify_command(command).safety is expected


def test_a_block_takes_the_class_of_its_strictest_command() -> None:
    block = """
# look first
aws ecs describe-services --cluster prod --services app
curl -s http://localhost/health

# then flush
redis-cli -h cache FLUSHDB
"""
    result = classify_code(block, "bash")
    assert result.safety is D
    assert [verdict.safety for verdict in result.commands] == [R, R, D]


def test_comments_are_not_commands() -> None:
    result = classify_code("# kill -9 everything\n# then rm -rf /\n", "bash")
    assert result.safety is R
    assert result.commands == ()


def test_a_trailing_comment_does_not_count_either() -> None:
    assert classify_command("kubectl get pods  # never kubectl delete here").safety is R


def test_quoted_sql_spanning_lines_is_one_command_judged_as_sql() -> None:
    block = "psql -h db -c \\\n  \"SELECT pid, query\n   FROM pg_stat_activity\n   WHERE state != 'idle';\""
    result = classify_code(block, "bash")
    assert result.safety is R
    assert any("SELECT" in verdict.reason for verdict in result.commands)


def test_a_heredoc_is_judged_as_the_input_of_its_command() -> None:
    read = "psql -h $PGHOST <<EOF\nSELECT query FROM pg_stat_statements LIMIT 10;\nEOF"
    write = "psql -h $PGHOST <<EOF\nUPDATE jobs SET state = 'queued';\nEOF"
    assert classify_code(read, "bash").safety is R
    assert classify_code(write, "bash").safety is M


def test_commands_run_elsewhere_are_judged_by_what_they_run() -> None:
    ssm = (
        "aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-xxxxx "
        """--parameters 'commands=["df -h"]'"""
    )
    cleanup = ssm.replace("df -h", 'find /var/log -type f -name \\"*.log\\" -mtime +7 -delete')
    assert classify_command(ssm).safety is R
    assert classify_command(cleanup).safety is D
    assert classify_command("kubectl exec deploy/api -- redis-cli PING").safety is R
    assert classify_command("docker exec -it cache redis-cli FLUSHALL").safety is D
    assert classify_command("bash -c 'rm -rf /tmp/cache'").safety is D


def test_substituted_commands_count() -> None:
    assert classify_command("echo $(date)").safety is R
    assert classify_command("echo $(rm -rf /tmp/x)").safety is D


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT count(*), state FROM pg_stat_activity GROUP BY state;", R),
        ("-- a comment\nSELECT * FROM pg_locks;", R),
        ("EXPLAIN SELECT 1;", R),
        ("SELECT pg_cancel_backend(123);", D),
        ("UPDATE accounts SET locked = false;", M),
        ("VACUUM ANALYZE events;", M),
        ("WITH gone AS (DELETE FROM jobs RETURNING id) SELECT count(*) FROM gone;", D),
        ("SELECT 1; DROP TABLE x;", D),
        ("\\dt+", R),
        ("\\dt\nDELETE FROM jobs;", D),  # a meta-command ends at its line, not at a semicolon
    ],
)
def test_sql_is_judged_statement_by_statement(sql: str, expected: Safety) -> None:
    assert classify_code(sql, "sql").safety is expected


def test_a_console_transcript_only_counts_prompted_lines() -> None:
    transcript = "$ kubectl get pods\nNAME   READY\napi-1  1/1\n$ kubectl logs api-1"
    result = classify_code(transcript, "console")
    assert result.safety is R
    assert len(result.commands) == 2


def test_queries_read_and_other_languages_need_a_person() -> None:
    assert classify_code('sum(rate(http_requests_total{status=~"5.."}[5m]))', "promql").safety is R
    assert classify_code("import shutil\nshutil.rmtree('/data')", "python").safety is M
    assert classify_code("replicas: 3", "yaml").safety is M
    assert classify_code("", "bash").safety is R


@pytest.mark.parametrize(
    ("language", "kind"),
    [
        ("bash", "shell"),
        ("", "shell"),
        ("SQL", "sql"),
        ("console", "console"),
        ("promql", "query"),
        ("text", "text"),
    ],
)
def test_language_kind(language: str, kind: str) -> None:
    assert language_kind(language) == kind


def test_stricter_and_strictest() -> None:
    assert R.stricter(D) is D
    assert M.stricter(R) is M
    assert Safety.strictest([]) is R
    assert Safety.strictest([R, M, R]) is M


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ceph status", R),
        ("ceph osd tree", R),
        ("ceph osd set noout", M),
        ("ceph osd purge 3 --yes-i-really-mean-it", D),
        ("rabbitmqctl list_queues name messages", R),
        ("etcdctl member list", R),
        ("etcdctl del /registry/leases/x", D),
        ("vault status", R),
        ("some-internal-tool status", M),  # unknown tools are never trusted, whatever their words
    ],
)
def test_operations_clis_are_read_by_their_verbs(command: str, expected: Safety) -> None:
    assert classify_command(command).safety is expected
