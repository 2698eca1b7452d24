/* pwhash.c: argon2id hashing threads behind a bounded queue and a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pwhash.h"

/*
 * Niceness of the hashing threads (Linux sets it per thread): on a busy
 * machine the loop gets the CPU first, and a login waits rather than the
 * chat.
 */
#define PWHASH_NICE 19
/* Random bytes of the dummy hash's password: nobody can know it. */
#define PWHASH_DUMMY_BYTES 32

/* A queued job: everything it needs, copied. */
struct pwhash_job {
	enum pwhash_op op;
	int conn;
	uint64_t ticket;
	int dummy; /* VERIFY against the dummy hash */
	size_t len;
	char password[PWHASH_PASSWORD_MAX];
	char hash[PWHASH_STR_MAX];
};

struct pwhash {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t threads[PWHASH_THREADS_MAX];
	unsigned nthreads;
	int stop;
	/* Rings of queue_max entries each: jobs to run, results to collect. */
	struct pwhash_job *jobs;
	struct pwhash_result *results;
	size_t queue_max;
	size_t job_head, njobs;
	size_t res_head, nres;
	size_t inflight; /* queued + running + uncollected */
	int pipe_rd, pipe_wr;
	char dummy[PWHASH_STR_MAX];
};

/* Wakes the loop; a full pipe (EAGAIN) already does, so that is fine. */
static void
pwhash_signal(struct pwhash *p)
{
	char one = 1;
	ssize_t n = write(p->pipe_wr, &one, 1);

	(void)n;
}

/* Runs one job; the copy of the password is wiped here. */
static void
pwhash_run(
    const struct pwhash *p, struct pwhash_job *job, struct pwhash_result *res)
{
	memset(res, 0, sizeof(*res));
	res->op = job->op;
	res->conn = job->conn;
	res->ticket = job->ticket;
	if (job->op == PWHASH_MAKE) {
		res->ok = crypto_pwhash_str(res->hash, job->password, job->len,
		              PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) == 0;
	} else {
		/* The dummy costs what a real one costs, and never matches. */
		int match =
		    crypto_pwhash_str_verify(job->dummy ? p->dummy : job->hash,
		        job->password, job->len) == 0;

		res->ok = match && !job->dummy;
	}
	sodium_memzero(job->password, sizeof(job->password));
}

static void *
pwhash_main(void *arg)
{
	struct pwhash *p = arg;
	struct pwhash_job job;
	struct pwhash_result res;

	/*
	 * Best effort: the loop and the network come first; a hash that
	 * waits for a core only makes one login slower.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PWHASH_NICE);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->njobs == 0 && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		job = p->jobs[p->job_head];
		sodium_memzero(p->jobs[p->job_head].password,
		    sizeof(p->jobs[p->job_head].password));
		p->job_head = (p->job_head + 1) % p->queue_max;
		p->njobs--;
		pthread_mutex_unlock(&p->lock);
		pwhash_run(p, &job, &res);
		pthread_mutex_lock(&p->lock);
		/* inflight bounds jobs + results: there is room. */
		p->results[(p->res_head + p->nres) % p->queue_max] = res;
		p->nres++;
		pwhash_signal(p);
	}
	pthread_mutex_unlock(&p->lock);
	sodium_memzero(&job, sizeof(job));
	return NULL;
}

struct pwhash *
pwhash_new(unsigned threads, size_t queue_max, char *err, size_t err_size)
{
	struct pwhash *p;
	unsigned char secret[PWHASH_DUMMY_BYTES];
	int fds[2], k;

	if (threads == 0 || threads > PWHASH_THREADS_MAX || queue_max == 0) {
		snprintf(err, err_size, "bad hashing thread or queue count");
		return NULL;
	}
	if (sodium_init() < 0) {
		snprintf(err, err_size, "libsodium failed to start");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	p->pipe_rd = p->pipe_wr = -1;
	p->queue_max = queue_max;
	p->jobs = calloc(queue_max, sizeof(*p->jobs));
	p->results = calloc(queue_max, sizeof(*p->results));
	if (p->jobs == NULL || p->results == NULL) {
		snprintf(err, err_size, "out of memory");
		goto fail;
	}
	if (pipe(fds) < 0) {
		snprintf(err, err_size, "pipe: %s", strerror(errno));
		goto fail;
	}
	p->pipe_rd = fds[0];
	p->pipe_wr = fds[1];
	for (k = 0; k < 2; k++) {
		(void)fcntl(
		    fds[k], F_SETFL, fcntl(fds[k], F_GETFL) | O_NONBLOCK);
		(void)fcntl(fds[k], F_SETFD, FD_CLOEXEC);
	}
	randombytes_buf(secret, sizeof(secret));
	if (crypto_pwhash_str(p->dummy, (const char *)secret, sizeof(secret),
	        PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0) {
		snprintf(err, err_size, "cannot hash: out of memory");
		goto fail;
	}
	sodium_memzero(secret, sizeof(secret));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (; p->nthreads < threads; p->nthreads++) {
		if (pthread_create(
		        &p->threads[p->nthreads], NULL, pwhash_main, p) != 0) {
			snprintf(
			    err, err_size, "cannot start a hashing thread");
			pwhash_free(p);
			return NULL;
		}
	}
	return p;
fail:
	if (p->pipe_rd >= 0)
		close(p->pipe_rd);
	if (p->pipe_wr >= 0)
		close(p->pipe_wr);
	free(p->jobs);
	free(p->results);
	free(p);
	return NULL;
}

void
pwhash_free(struct pwhash *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	close(p->pipe_rd);
	close(p->pipe_wr);
	/* Queued passwords never hashed are wiped too. */
	sodium_memzero(p->jobs, p->queue_max * sizeof(*p->jobs));
	free(p->jobs);
	free(p->results);
	free(p);
}

int
pwhash_fd(const struct pwhash *p)
{
	return p->pipe_rd;
}

int
pwhash_submit(struct pwhash *p, enum pwhash_op op, int conn, uint64_t ticket,
    const char *password, size_t len, const char *hash)
{
	struct pwhash_job *job;

	if (len > PWHASH_PASSWORD_MAX ||
	    (hash != NULL && strlen(hash) >= PWHASH_STR_MAX))
		return -1;
	pthread_mutex_lock(&p->lock);
	if (p->inflight >= p->queue_max) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	job = &p->jobs[(p->job_head + p->njobs) % p->queue_max];
	job->op = op;
	job->conn = conn;
	job->ticket = ticket;
	job->dummy = op == PWHASH_VERIFY && hash == NULL;
	job->len = len;
	memcpy(job->password, password, len);
	if (hash != NULL)
		memcpy(job->hash, hash, strlen(hash) + 1);
	else
		job->hash[0] = '\0';
	p->njobs++;
	p->inflight++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

size_t
pwhash_collect(struct pwhash *p, struct pwhash_result *out, size_t max)
{
	char buf[64];
	size_t n = 0;

	/* Drained first: a result pushed after this wakes the loop again. */
	while (read(p->pipe_rd, buf, sizeof(buf)) > 0)
		continue;
	pthread_mutex_lock(&p->lock);
	while (n < max && p->nres > 0) {
		out[n++] = p->results[p->res_head];
		memset(&p->results[p->res_head], 0, sizeof(*p->results));
		p->res_head = (p->res_head + 1) % p->queue_max;
		p->nres--;
		p->inflight--;
	}
	/* Left over: say so again, so the loop comes back for them. */
	if (p->nres > 0)
		pwhash_signal(p);
	pthread_mutex_unlock(&p->lock);
	return n;
}

size_t
pwhash_pending(struct pwhash *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->inflight;
	pthread_mutex_unlock(&p->lock);
	return n;
}

unsigned
pwhash_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 2)
		return 1;
	return n - 1 < PWHASH_THREADS ? (unsigned)(n - 1) : PWHASH_THREADS;
}
