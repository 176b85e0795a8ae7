# Times R's survey package on the data of bench/estimation.py (called by it).
# Args: data.csv out.json n_domains criteria_sizes (e.g. 4,5,6,3,4)
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = "character")
out <- args[2]
n_domains <- as.integer(args[3])
sizes <- as.integer(strsplit(args[4], ",")[[1]])
items <- setdiff(names(data), c("unit", "stratum", "psu", "weight"))
for (item in items) {
  data[[paste0("s_", item)]] <- as.numeric(data[[item]] %in% c("4", "5"))
  data[[paste0("v_", item)]] <- as.numeric(data[[item]] %in% c("1", "2", "3", "4", "5"))
}
data$weight <- as.numeric(data$weight)
criterion_of <- rep(seq_along(sizes), sizes)
item_mean <- function(ratios, vcov) {
  # criteria = mean of their items; overall = mean of the criteria
  k <- length(items)
  L <- matrix(0, nrow = length(sizes) + 1, ncol = k)
  for (c in seq_along(sizes)) L[c, criterion_of == c] <- 1 / sizes[c]
  L[length(sizes) + 1, ] <- colMeans(L[seq_along(sizes), , drop = FALSE])
  est <- as.vector(L %*% ratios)
  se <- sqrt(diag(L %*% vcov %*% t(L)))
  list(est = est, se = se)
}
started <- Sys.time()
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = data, nest = TRUE)
num <- as.formula(paste("~", paste0("s_", items, collapse = "+")))
den <- as.formula(paste("~", paste0("v_", items, collapse = "+")))
# svyratio of k numerators over k denominators gives k×k ratios; only the diagonal pairs are wanted.
z <- sapply(items, function(item) {
  s <- data[[paste0("s_", item)]]; v <- data[[paste0("v_", item)]]
  r <- sum(data$weight * s) / sum(data$weight * v)
  (s - r * v) / sum(data$weight * v)
})
ratios <- sapply(items, function(item) sum(data$weight * data[[paste0("s_", item)]]) / sum(data$weight * data[[paste0("v_", item)]]))
V <- svyrecvar(z * data$weight, des$cluster, des$strata, des$fpc)
whole <- item_mean(ratios, V)
# the same SE through the public API for one item, as a check of the shortcut above
check <- svyratio(as.formula(paste0("~s_", items[1])), as.formula(paste0("~v_", items[1])), des)
stopifnot(abs(SE(check) - sqrt(V[1, 1])) < 1e-9)
whole_seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))

units <- sort(unique(data$unit))[seq_len(n_domains)]
started <- Sys.time()
domain_overall <- c()
for (u in units) {
  sub <- subset(des, unit == u)
  # One svyratio of all items with its covariance (the API's way to get what a contrast needs);
  # it returns every numerator × denominator pair, of which the (s_j / v_j) diagonal is used.
  fit <- svyratio(num, den, sub, covmat = TRUE)
  k <- length(items)
  diagonal <- (0:(k - 1)) * k + 1:k
  r <- as.vector(fit$ratio)[diagonal]
  domain_overall <- c(domain_overall, item_mean(r, vcov(fit)[diagonal, diagonal])$est[length(sizes) + 1])
}
per_domain <- as.numeric(difftime(Sys.time(), started, units = "secs")) / n_domains
writeLines(sprintf(
  '{"overall_estimate": %.17g, "overall_se": %.17g, "whole_seconds": %.6f, "per_domain_seconds": %.6f, "domain_units": [%s], "domain_overall": [%s]}',
  whole$est[length(sizes) + 1], whole$se[length(sizes) + 1], whole_seconds, per_domain,
  paste(sub("U", "", units), collapse = ","), paste(sprintf("%.17g", domain_overall), collapse = ",")
), out)
