"""Knowledge commons: a knowledge base, a skills directory, calls for
collaboration, training courses and mentoring, and one search over them."""
